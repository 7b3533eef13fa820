// /api/webhooks: endpoints created (secret shown once), read, changed, deleted, rotated; URLs that are refused.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { MAX_ENDPOINTS } from "../../src/routes/webhooks";
import { api, ORIGIN, uniqueId } from "../support/helpers";
import { TEST_API_TOKEN } from "../support/secrets";
import { createEndpoint, hookUrl } from "../support/webhooks";

afterEach(() => {
  vi.restoreAllMocks();
});

/** The worker as deployed: WEBHOOKS_ALLOW_LOCAL_HTTP off (the tests turn it on for the local receiver). */
async function production(path: string, init: RequestInit & { json?: unknown }) {
  const ctx = createExecutionContext();
  const headers = new Headers({ authorization: `Bearer ${TEST_API_TOKEN}`, "content-type": "application/json" });
  const res = await worker.fetch(
    new Request(`${ORIGIN}/api${path}`, { ...init, headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) }),
    { ...env, WEBHOOKS_ALLOW_LOCAL_HTTP: "false" },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

async function endpointCount(): Promise<number> {
  return (await env.DB.prepare("SELECT count(*) AS n FROM webhook_endpoints").first<{ n: number }>())!.n;
}

/** DNS-over-HTTPS answers for the names a test uses; any other fetch fails the test. */
function dnsAnswers(byName: Record<string, string[] | "nxdomain" | "down">) {
  return vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.hostname !== "cloudflare-dns.com") throw new Error(`unexpected fetch of ${url.href}`);
    const answer = byName[url.searchParams.get("name")!];
    if (answer === "down") return new Response("busy", { status: 503 });
    if (answer === "nxdomain" || answer === undefined) return Response.json({ Status: 3 });
    const type = url.searchParams.get("type") === "A" ? 1 : 28;
    const family = type === 1 ? (ip: string) => !ip.includes(":") : (ip: string) => ip.includes(":");
    return Response.json({ Status: 0, Answer: answer.filter(family).map((data) => ({ type, data })) });
  });
}

describe("webhook endpoints", () => {
  it("creates an endpoint, shows its secret once, and reads, lists, changes and deletes it", async () => {
    const campaignId = uniqueId("crud");
    const res = await api("/webhooks", {
      method: "POST",
      json: { url: hookUrl("crud"), eventTypes: ["email.bounce", "campaign.paused"], campaignId, description: "CRM" },
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Record<string, unknown> & { id: string; secret: string };
    expect(created).toMatchObject({
      url: hookUrl("crud"),
      eventTypes: ["email.bounce", "campaign.paused"],
      campaignId,
      description: "CRM",
      enabled: true,
      disabledReason: null,
    });
    expect(created.id).toMatch(/^ep_/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const read = (await (await api(`/webhooks/${created.id}`)).json()) as Record<string, unknown>;
    expect(read).not.toHaveProperty("secret");
    expect(JSON.stringify(read)).not.toContain(created.secret.slice(6));
    const { secret: _secret, ...withoutSecret } = created;
    expect(read).toEqual(withoutSecret);

    const list = (await (await api("/webhooks")).json()) as { items: Array<{ id: string }>; cursor: string | null };
    expect(list.items.map((e) => e.id)).toContain(created.id);
    expect(JSON.stringify(list)).not.toContain(created.secret.slice(6));

    const patched = await api(`/webhooks/${created.id}`, { method: "PATCH", json: { eventTypes: null, description: null, campaignId: null } });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ id: created.id, eventTypes: null, description: null, campaignId: null });

    expect((await api(`/webhooks/${created.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/webhooks/${created.id}`)).status).toBe(404);
    expect((await api(`/webhooks/${created.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("pages the list with { items, cursor }", async () => {
    const before = await endpointCount();
    for (let i = 0; i < 3; i++) await createEndpoint({ url: hookUrl(`page-${i}`) });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api(`/webhooks?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      const body = (await res.json()) as { items: Array<{ id: string }>; cursor: string | null };
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((e) => e.id));
      cursor = body.cursor;
    } while (cursor);
    expect(seen).toHaveLength(before + 3);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it.each([
    [{ eventTypes: ["email.opened"] }, "eventTypes.0"],
    [{ eventTypes: [] }, "eventTypes"],
    [{ campaignId: "bad id" }, "campaignId"],
    [{ url: "" }, "url"],
    [{ url: "https://hooks.example.com/x#frag" }, "url: must not have a #fragment"],
    [{ description: "x".repeat(501) }, "description"],
  ])("refuses %j with 400 naming %s, and stores nothing", async (change, field) => {
    const before = await endpointCount();
    const res = await api("/webhooks", { method: "POST", json: { url: hookUrl("bad"), ...change } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain(field);
    expect(await endpointCount()).toBe(before);
  });

  it("rotates the secret: a new one is shown once, and the old one keeps signing for the overlap", async () => {
    const endpoint = await createEndpoint({ url: hookUrl("rotate-api") });
    const res = await api(`/webhooks/${endpoint.id}/rotate-secret`, { method: "POST", json: { overlapSeconds: 3600 } });
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as { secret: string; previousSecretExpiresAt: string };
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(endpoint.secret);
    expect(Date.parse(rotated.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(3500_000);
    const row = await env.DB.prepare("SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ?")
      .bind(endpoint.id)
      .first<{ secret: string; previous_secret: string }>();
    expect(row).toEqual({ secret: rotated.secret, previous_secret: endpoint.secret });
    // Without a body: a day of overlap.
    const again = (await (await api(`/webhooks/${endpoint.id}/rotate-secret`, { method: "POST" })).json()) as { previousSecretExpiresAt: string };
    expect(Math.round((Date.parse(again.previousSecretExpiresAt) - Date.now()) / 3_600_000)).toBe(24);
    expect((await api(`/webhooks/${endpoint.id}/rotate-secret`, { method: "POST", json: { overlapSeconds: 8 * 86400 } })).status).toBe(400);
    expect((await api(`/webhooks/ep_nothere/rotate-secret`, { method: "POST" })).status).toBe(404);
  });

  it(`refuses a ${MAX_ENDPOINTS + 1}st endpoint with 409`, async () => {
    const existing = await endpointCount();
    for (let i = existing; i < MAX_ENDPOINTS; i++) await createEndpoint({ url: hookUrl(`many-${i}`) });
    const res = await api("/webhooks", { method: "POST", json: { url: hookUrl("one-too-many") } });
    expect(res.status).toBe(409);
    expect(await endpointCount()).toBe(MAX_ENDPOINTS);
    await env.DB.prepare("DELETE FROM webhook_endpoints WHERE url LIKE ?")
      .bind(`${hookUrl("many-")}%`)
      .run();
  });
  it(`holds the limit of ${MAX_ENDPOINTS} against parallel creates`, async () => {
    const room = MAX_ENDPOINTS - (await endpointCount());
    const tries = room + 10;
    const answers = await Promise.all(
      Array.from({ length: tries }, (_, i) => api("/webhooks", { method: "POST", json: { url: hookUrl(`parallel-${i}`) } })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(room);
    expect(statuses.filter((s) => s === 409)).toHaveLength(10);
    const refused = await answers.find((r) => r.status === 409)!.json();
    expect(refused).toMatchObject({ error: "conflict", message: expect.stringContaining(`at most ${MAX_ENDPOINTS}`) });
    expect(await endpointCount()).toBe(MAX_ENDPOINTS);
    await env.DB.prepare("DELETE FROM webhook_endpoints WHERE url LIKE ?")
      .bind(`${hookUrl("parallel-")}%`)
      .run();
  });
});

describe("webhook URLs in production (WEBHOOKS_ALLOW_LOCAL_HTTP off)", () => {
  it.each([
    "http://hooks.example.com/mail",
    "http://127.0.0.1:8788/hook",
    "https://127.0.0.1/hook",
    "https://10.1.2.3/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/hook",
    "https://[::127.0.0.1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://localhost/hook",
  ])("refuses %s with 400 and asks no resolver", async (url) => {
    const fetchSpy = dnsAnswers({});
    const before = await endpointCount();
    const res = await production("/webhooks", { method: "POST", json: { url } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string; message: string }).message).toMatch(/^url: must/);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(await endpointCount()).toBe(before);
  });

  it("resolves the name over DNS-over-HTTPS and refuses one that points to a private or loopback address", async () => {
    const fetchSpy = dnsAnswers({
      "rebind.example.com": ["93.184.215.14", "192.168.0.10"],
      "loop.example.com": ["::1"],
      "gone.example.com": "nxdomain",
    });
    const before = await endpointCount();
    for (const [host, reason] of [
      ["rebind.example.com", "192.168.0.10, a private address"],
      ["loop.example.com", "::1, a loopback address"],
      ["gone.example.com", "does not resolve"],
    ]) {
      const res = await production("/webhooks", { method: "POST", json: { url: `https://${host}/hook` } });
      expect(res.status, host).toBe(400);
      expect(((await res.json()) as { message: string }).message).toContain(reason);
    }
    expect(fetchSpy.mock.calls.map(([input]) => new URL(String(input)).searchParams.get("name"))).toContain("rebind.example.com");
    expect(await endpointCount()).toBe(before);
  });

  it("accepts an https URL whose name resolves only to public addresses, and answers 503 when the resolver is down", async () => {
    dnsAnswers({ "hooks.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"], "flaky.example.com": "down" });
    const ok = await production("/webhooks", { method: "POST", json: { url: "https://hooks.example.com/mail" } });
    expect(ok.status).toBe(201);
    const id = ((await ok.json()) as { id: string }).id;
    const before = await endpointCount();
    const down = await production("/webhooks", { method: "POST", json: { url: "https://flaky.example.com/mail" } });
    expect(down.status).toBe(503);
    expect(await endpointCount()).toBe(before);
    // A change of URL goes through the same checks.
    const patched = await production(`/webhooks/${id}`, { method: "PATCH", json: { url: "https://10.0.0.1/x" } });
    expect(patched.status).toBe(400);
    expect(await (await api(`/webhooks/${id}`)).json()).toMatchObject({ url: "https://hooks.example.com/mail" });
    await api(`/webhooks/${id}`, { method: "DELETE" });
  });
});
