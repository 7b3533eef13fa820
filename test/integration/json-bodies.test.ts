// Every JSON body must be an object: arrays, strings, numbers and null are refused with 400 on each route, found from
// the router itself so that a new route cannot be left out.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/routes/app";
import { api, get, uniqueId } from "../support/helpers";
import { createEndpoint, hookUrl } from "../support/webhooks";

/** Each route that reads a JSON body, by its router pattern, with a path to call it on. */
const JSON_BODY_ROUTES: Record<string, string> = {
  "POST /api/campaigns/:id/send": "/api/campaigns/json-bodies/send",
  "PUT /api/campaigns/:id/settings": "/api/campaigns/json-bodies/settings",
  "POST /api/links": "/api/links",
  "POST /api/suppressions": "/api/suppressions",
  "POST /api/dead-letters/replay": "/api/dead-letters/replay",
  "POST /api/webhooks": "/api/webhooks",
  "PATCH /api/webhooks/:id": "/api/webhooks/ep_nothere",
  "POST /api/webhooks/:id/rotate-secret": "/api/webhooks/ep_nothere/rotate-secret",
  "POST /api/instrument": "/api/instrument",
  "POST /api/send": "/api/send",
  "POST /api/segments/sunset": "/api/segments/sunset",
};

/** The routes that change something but read no JSON body, and why. */
const OTHER_BODY_ROUTES: Record<string, string> = {
  "POST /u/:token": "a form (RFC 8058 one-click unsubscribe)",
  "POST /sns": "an SNS message, refused by its own parser when it is not one (tested below)",
  "POST /dashboard/session": "a sign-in form",
  "POST /dashboard/sign-out": "no body",
  "POST /api/campaigns/:id/rebuild": "no body",
  "POST /api/campaigns/:id/resume": "no body",
  "POST /api/campaigns/:id/jobs/:jobId/resend-unknown": "no body",
  "POST /api/campaigns/:id/jobs/:jobId/send-dead-lettered": "no body",
  "POST /api/webhooks/:id/deliveries/:deliveryId/retry": "no body",
  "POST /api/account/resume": "no body",
  "POST /api/archive/flush": "no body",
  "DELETE /api/suppressions/:email": "no body",
  "DELETE /api/contacts/:email": "no body",
  "DELETE /api/webhooks/:id": "no body",
  "DELETE /dashboard/api/suppressions/:email": "no body",
};

const NOT_OBJECTS: ReadonlyArray<[string, string]> = [
  ["an empty array", "[]"],
  ["an array of an object", '[{"ids":["x"]}]'],
  ["an array of pairs", '["overlapSeconds",0]'],
  ["a string", '"x"'],
  ["a number", "1"],
  ["null", "null"],
  ["true", "true"],
];

function call(route: string, path: string, text: string): Promise<Response> {
  return api(path.slice("/api".length), { method: route.split(" ")[0], headers: { "content-type": "application/json" }, body: text });
}

describe("JSON bodies", () => {
  it("every route that takes a body is listed here, either as JSON or as something else", () => {
    const routes = new Set(app.routes.filter((r) => ["POST", "PUT", "PATCH", "DELETE"].includes(r.method)).map((r) => `${r.method} ${r.path}`));
    const listed = new Set([...Object.keys(JSON_BODY_ROUTES), ...Object.keys(OTHER_BODY_ROUTES)]);
    expect([...routes].filter((r) => !listed.has(r))).toEqual([]);
    expect([...listed].filter((r) => !routes.has(r))).toEqual([]);
  });

  describe.each(Object.entries(JSON_BODY_ROUTES))("%s", (route, path) => {
    it.each(NOT_OBJECTS)("refuses %s with 400", async (_what, text) => {
      const res = await call(route, path, text);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "validation_failed", message: "must be a JSON object" });
    });
  });

  it("refuses an array where a nested object belongs", async () => {
    const res = await api("/campaigns/json-bodies/settings", { method: "PUT", json: { track: [true] } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "validation_failed", message: "track: must be a JSON object" });
    const send = await api("/campaigns/json-bodies/send", {
      method: "POST",
      json: { from: "news@example.com", subject: "Hi", text: "Hello", recipients: [["ann@example.com"]] },
    });
    expect(await send.json()).toEqual({ error: "validation_failed", message: "recipients.0: must be a JSON object" });
  });

  it("POST /sns refuses an array as a message that is not an SNS message", async () => {
    const res = await get("/sns", { method: "POST", body: '[{"TopicArn":"x"}]' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "bad_request", reason: "malformed" });
  });

  it("a dead-letter replay with an array replays nothing", async () => {
    const id = uniqueId("dl-array");
    await env.DB.prepare("INSERT INTO dead_letters (message_id, queue, body, attempts, enqueued_at) VALUES (?, 'mail-tracker-events', '{}', 1, 0)")
      .bind(id)
      .run();
    const res = await api("/dead-letters/replay", { method: "POST", body: '[{"ids":["x"]}]', headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    const row = await env.DB.prepare("SELECT status, replay_attempts, replayed_at FROM dead_letters WHERE message_id = ?").bind(id).first();
    expect(row).toEqual({ status: "pending", replay_attempts: 0, replayed_at: null });
    await env.DB.prepare("DELETE FROM dead_letters WHERE message_id = ?").bind(id).run();
  });

  it("a secret rotation with an array rotates nothing", async () => {
    const endpoint = await createEndpoint({ url: hookUrl(uniqueId("rotate-array")) });
    const res = await api(`/webhooks/${endpoint.id}/rotate-secret`, {
      method: "POST",
      body: '["overlapSeconds",0]',
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    const row = await env.DB.prepare("SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ?").bind(endpoint.id).first();
    expect(row).toEqual({ secret: endpoint.secret, previous_secret: null });
    expect((await api(`/webhooks/${endpoint.id}`, { method: "DELETE" })).status).toBe(204);
  });
});
