// /api/suppressions and /api/contacts/<email>/events: auth, shapes, idempotence, pagination; SES mirroring.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { applyEvents } from "../../src/pipeline/apply";
import { api, sampleEvent, uniqueId } from "../support/helpers";
import { TEST_AWS_ACCESS_KEY_ID } from "../support/secrets";

afterEach(() => vi.restoreAllMocks());

describe("auth", () => {
  it("every route refuses a missing or wrong token with 401 JSON", async () => {
    const routes: Array<[string, string]> = [
      ["GET", "/suppressions"],
      ["GET", "/suppressions?email=a@example.com"],
      ["POST", "/suppressions"],
      ["DELETE", "/suppressions/a@example.com"],
      ["GET", "/contacts/a@example.com/events"],
    ];
    for (const [method, path] of routes) {
      for (const authorization of ["", "Bearer nope"]) {
        const res = await api(path, { method, headers: { authorization }, json: method === "POST" ? { email: "a@example.com" } : undefined });
        expect(res.status, `${method} ${path} ${authorization}`).toBe(401);
        expect(await res.json()).toMatchObject({ error: "unauthorized" });
      }
    }
  });
});

describe("/api/suppressions", () => {
  it("adds by hand (201, idempotent), reads it back, lifts it (204, idempotent), with history", async () => {
    const email = `Manual.${uniqueId("m")}@Example.COM`;
    const normal = email.replace("Example.COM", "example.com");
    const add = await api("/suppressions", { method: "POST", json: { email } });
    expect(add.status).toBe(201);
    const body = await add.json<Record<string, unknown>>();
    expect(body).toEqual({ email: normal, reason: "manual", since: expect.any(String), expiresAt: null, eventId: null });
    const again = await api("/suppressions", { method: "POST", json: { email, reason: "complaint" } });
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(body); // the first permanent reason stays

    expect(await (await api(`/suppressions?email=${encodeURIComponent(email)}`)).json()).toEqual(body);
    expect((await api(`/suppressions/${encodeURIComponent(email)}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/suppressions/${encodeURIComponent(email)}`, { method: "DELETE" })).status).toBe(204);
    const gone = await api(`/suppressions?email=${encodeURIComponent(email)}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: "not_found" });

    const { results } = await env.DB.prepare("SELECT action, reason FROM suppression_history WHERE email = ? ORDER BY id").bind(normal).all();
    expect(results).toEqual([
      { action: "suppress", reason: "manual" },
      { action: "lift", reason: "manual" },
    ]);
  });

  it("adds one suppression per address whatever its case, shown as first given", async () => {
    const email = `Ann.${uniqueId("case")}@example.com`;
    const first = await (await api("/suppressions", { method: "POST", json: { email } })).json<Record<string, unknown>>();
    const again = await api("/suppressions", { method: "POST", json: { email: email.toLowerCase(), reason: "complaint" } });
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(first);
    expect(first).toMatchObject({ email, reason: "manual" });
    const { results } = await env.DB.prepare("SELECT email FROM suppressions WHERE lower(email) = lower(?)").bind(email).all();
    expect(results).toEqual([{ email }]);
  });

  it("validates input with a reason", async () => {
    const bad = [
      api("/suppressions", { method: "POST", json: { email: "nope" } }),
      api("/suppressions", { method: "POST", json: { email: "a@example.com", reason: "soft_bounce" } }),
      api("/suppressions?email=nope"),
      api("/suppressions?limit=0"),
      api("/suppressions?limit=abc"),
      api("/suppressions?cursor=bogus"),
      api("/suppressions/not-an-email", { method: "DELETE" }),
    ];
    for (const res of await Promise.all(bad)) {
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: "validation_failed", message: expect.any(String) });
    }
  });

  it("pages through every active suppression exactly once", async () => {
    const prefix = uniqueId("page").toLowerCase();
    const emails = Array.from({ length: 7 }, (_, i) => `${prefix}-${i}@example.com`);
    for (const email of emails) await api("/suppressions", { method: "POST", json: { email } });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api(`/suppressions?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      const body = await res.json<{ items: Array<{ email: string }>; cursor: string | null }>();
      expect(body.items.length).toBeLessThanOrEqual(3);
      seen.push(...body.items.map((i) => i.email));
      cursor = body.cursor;
      pages++;
    } while (cursor && pages < 1000);
    expect(seen.filter((e) => e.startsWith(prefix))).toEqual(emails);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
  });
});

describe("/api/contacts/<email>/events", () => {
  it("lists a contact's events newest first, page by page", async () => {
    const email = `${uniqueId("hist")}@example.com`;
    const list = Array.from({ length: 5 }, (_, i) =>
      sampleEvent({
        email,
        contactId: email,
        type: (["send", "delivery", "open", "click", "open"] as const)[i],
        occurredAt: 1_700_000_000_000 + i * 1000,
      }),
    );
    await applyEvents(env, list);
    const first = await api(`/contacts/${encodeURIComponent(email)}/events?limit=2`);
    expect(first.status).toBe(200);
    const page1 = await first.json<{ items: Array<{ id: string; type: string; occurredAt: string }>; cursor: string }>();
    expect(page1.items.map((i) => i.id)).toEqual([list[4]!.id, list[3]!.id]);
    expect(page1.items[0]).toMatchObject({ type: "open", occurredAt: new Date(1_700_000_004_000).toISOString() });
    const page2 = await (await api(`/contacts/${encodeURIComponent(email)}/events?limit=2&cursor=${page1.cursor}`)).json<typeof page1>();
    const page3 = await (await api(`/contacts/${encodeURIComponent(email)}/events?limit=2&cursor=${page2.cursor}`)).json<typeof page1>();
    expect([...page2.items, ...page3.items].map((i) => i.id)).toEqual([list[2]!.id, list[1]!.id, list[0]!.id]);
    expect(page3.cursor).toBeNull();
  });

  it("answers an empty list for an address with no events", async () => {
    const res = await api("/contacts/nobody@example.com/events");
    expect(await res.json()).toEqual({ items: [], cursor: null });
  });
});

describe("mirroring to the SES suppression list", () => {
  it("PUTs hard bounces and complaints to SES v2, signed with SigV4, once", async () => {
    const requests: Request[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const req = new Request(input, init);
      if (!new URL(req.url).hostname.endsWith(".amazonaws.com")) throw new Error(`unexpected request to ${req.url}`);
      requests.push(req);
      return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
    });
    const email = `${uniqueId("sync")}@example.com`;
    // No endpoint override: the request is built for the real regional endpoint, and intercepted.
    const syncing = { ...env, SES_SYNC_SUPPRESSIONS: "true", SES_REGION: "eu-west-1", SES_ENDPOINT: "" };
    const bounce = sampleEvent({ type: "bounce", email, contactId: email, metadata: { bounceType: "Permanent" } });
    await applyEvents(syncing, [bounce]);
    await applyEvents(syncing, [bounce]);

    const mine = [];
    for (const r of requests) {
      const body = await r.clone().json<{ EmailAddress: string; Reason: string }>();
      if (body.EmailAddress === email) mine.push({ r, body });
    }
    expect(mine).toHaveLength(1);
    const [{ r, body }] = mine as [(typeof mine)[0]];
    expect(r.method).toBe("PUT");
    expect(r.url).toBe("https://email.eu-west-1.amazonaws.com/v2/email/suppression/addresses");
    expect(body).toEqual({ EmailAddress: email, Reason: "BOUNCE" });
    expect(r.headers.get("authorization")).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${TEST_AWS_ACCESS_KEY_ID}/\\d{8}/eu-west-1/ses/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$`,
      ),
    );
    expect(r.headers.get("x-amz-date")).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it("leaves a failed mirror pending and the scheduled run retries it; nothing is sent when it is off", async () => {
    const email = `${uniqueId("retry")}@example.com`;
    let fail = true;
    const spy = vi
      .spyOn(globalThis, "fetch")
      .mockImplementation(async () =>
        fail ? new Response('{"message":"Service unavailable"}', { status: 503 }) : new Response("{}", { status: 200 }),
      );
    const complaint = sampleEvent({ type: "complaint", email, contactId: email });
    await applyEvents({ ...env, SES_SYNC_SUPPRESSIONS: "false" }, [complaint]);
    expect(spy).not.toHaveBeenCalled();

    const syncing = { ...env, SES_SYNC_SUPPRESSIONS: "true" };
    const { default: worker } = await import("../../src/index");
    const { createScheduledController, createExecutionContext } = await import("cloudflare:test");
    await worker.scheduled(createScheduledController(), syncing, createExecutionContext()).catch(() => undefined);
    const pending = () =>
      env.DB.prepare("SELECT ses_synced_at FROM suppressions WHERE email = ?").bind(email).first<{ ses_synced_at: number | null }>();
    expect((await pending())!.ses_synced_at).toBeNull();
    fail = false;
    await worker.scheduled(createScheduledController(), syncing, createExecutionContext());
    expect((await pending())!.ses_synced_at).toEqual(expect.any(Number));
  });

  it("mirrors every other address when SES refuses one, and retries only the refused one later", async () => {
    const prefix = uniqueId("refused");
    const emails = [0, 1, 2].map((i) => `${prefix}-${i}@example.com`);
    const refused = emails[0]!;
    const puts: string[] = [];
    let refuse = true;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const req = new Request(input, init);
      if (!new URL(req.url).hostname.endsWith(".amazonaws.com")) throw new Error(`unexpected request to ${req.url}`);
      const { EmailAddress } = await req.json<{ EmailAddress: string }>();
      puts.push(EmailAddress);
      if (refuse && EmailAddress === refused) {
        return new Response('{"message":"Invalid email address"}', { status: 400, headers: { "x-amzn-errortype": "BadRequestException" } });
      }
      return new Response("{}", { status: 200 });
    });
    const syncing = { ...env, SES_SYNC_SUPPRESSIONS: "true", SES_ENDPOINT: "" };
    // The refused address bounced first, so it is the first one mirrored.
    const bounces = emails.map((email, i) =>
      sampleEvent({ type: "bounce", email, contactId: email, occurredAt: Date.now() - 1000 + i, metadata: { bounceType: "Permanent" } }),
    );
    await applyEvents(syncing, bounces);

    const syncState = async () => {
      const { results } = await env.DB.prepare(
        `SELECT email, ses_synced_at, ses_sync_error FROM suppressions WHERE email LIKE ? || '%' ORDER BY email`,
      )
        .bind(prefix)
        .all<{ email: string; ses_synced_at: number | null; ses_sync_error: string | null }>();
      return results;
    };
    expect(puts.sort()).toEqual([...emails].sort());
    const after = await syncState();
    expect(after.map((r) => [r.email, r.ses_synced_at === null])).toEqual(emails.map((e) => [e, e === refused]));
    expect(after[0]!.ses_sync_error).toMatch(/Invalid email address/);

    // The scheduled run tries the refused one again, and only it among these.
    refuse = false;
    puts.length = 0;
    const { default: worker } = await import("../../src/index");
    const { createScheduledController, createExecutionContext } = await import("cloudflare:test");
    await worker.scheduled(createScheduledController(), syncing, createExecutionContext());
    expect(puts.filter((p) => p.startsWith(prefix))).toEqual([refused]);
    expect((await syncState()).every((r) => r.ses_synced_at !== null && r.ses_sync_error === null)).toBe(true);
  });
});
