// Suppression rules over realistic event sequences: out of order, replayed, and mixed with manual changes.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TrackingEvent } from "../../src/domain/events";
import { applyEvents } from "../../src/pipeline/apply";
import { api, sampleEvent } from "../support/helpers";

const DAY = 86_400_000;
// Recent, so that 30-day and 3-day suppressions are still in force when the test reads them.
const T0 = Math.floor(Date.now() / 1000) * 1000 - DAY;

let n = 0;
function address(): string {
  return `Person.${++n}.${crypto.randomUUID().slice(0, 6)}@Mail.Example.com`;
}

function ev(email: string, type: TrackingEvent["type"], at: number, metadata: Record<string, unknown> | null = null, id?: string): TrackingEvent {
  const contactId = email.replace(/@(.*)$/, (_, d: string) => "@" + d.toLowerCase());
  return sampleEvent({ id: id ?? `e-${crypto.randomUUID()}`, type, email, contactId, campaignId: "rules", occurredAt: at, metadata });
}
const hard = (email: string, at: number) => ev(email, "bounce", at, { bounceType: "Permanent", bounceSubType: "General" });
const soft = (email: string, at: number, bounceType = "Transient") => ev(email, "bounce", at, { bounceType, bounceSubType: "MailboxFull" });

async function state(email: string) {
  const res = await api(`/suppressions?email=${encodeURIComponent(email)}`);
  return res.status === 404 ? null : res.json<{ email: string; reason: string; since: string; expiresAt: string | null; eventId: string | null }>();
}

async function history(email: string) {
  const contact = email.replace(/@(.*)$/, (_, d: string) => "@" + d.toLowerCase());
  const { results } = await env.DB.prepare("SELECT action, reason, event_id FROM suppression_history WHERE email = ? ORDER BY id")
    .bind(contact)
    .all<{ action: string; reason: string; event_id: string | null }>();
  return results;
}

describe("hard bounces and complaints", () => {
  it("suppress at once, with the reason and the event id, under the normalised address", async () => {
    const a = address();
    const bounce = hard(a, T0);
    await applyEvents(env, [ev(a, "send", T0 - 1000), bounce]);
    expect(await state(a)).toEqual({
      email: a.replace("Mail.Example.com", "mail.example.com"),
      reason: "hard_bounce",
      since: new Date(T0).toISOString(),
      expiresAt: null,
      eventId: bounce.id,
    });
    const b = address();
    const complaint = ev(b, "complaint", T0, { complaintFeedbackType: "abuse" });
    await applyEvents(env, [complaint]);
    expect(await state(b)).toMatchObject({ reason: "complaint", eventId: complaint.id, expiresAt: null });
  });

  it("are never lifted by a later open, click or delivery, in any arrival order", async () => {
    const a = address();
    const complaint = ev(a, "complaint", T0 + 10);
    await applyEvents(env, [ev(a, "delivery", T0 + 5), complaint]);
    await applyEvents(env, [ev(a, "open", T0 + 20), ev(a, "delivery", T0 + 30), ev(a, "click", T0 + 40)]);
    // A delivery that happened earlier but arrives later.
    await applyEvents(env, [ev(a, "delivery", T0 + 1)]);
    expect(await state(a)).toMatchObject({ reason: "complaint", eventId: complaint.id });
  });

  it("replace an expiring soft-bounce suppression, but not each other", async () => {
    const a = address();
    await applyEvents(
      env,
      [1, 2, 3, 4, 5].map((i) => soft(a, T0 + i)),
    );
    expect(await state(a)).toMatchObject({ reason: "soft_bounce" });
    const bounce = hard(a, T0 + 10);
    await applyEvents(env, [bounce]);
    expect(await state(a)).toMatchObject({ reason: "hard_bounce", expiresAt: null, eventId: bounce.id });
    await applyEvents(env, [ev(a, "complaint", T0 + 20)]);
    expect(await state(a)).toMatchObject({ reason: "hard_bounce", eventId: bounce.id });
  });

  it("replaying a batch leaves the same state and one history entry", async () => {
    const a = address();
    const batch = [ev(a, "send", T0), ev(a, "delivery", T0 + 1), ev(a, "complaint", T0 + 2)];
    await applyEvents(env, batch);
    const first = await state(a);
    await applyEvents(env, batch);
    await applyEvents(env, [batch[2]!]);
    expect(await state(a)).toEqual(first);
    expect(await history(a)).toEqual([{ action: "suppress", reason: "complaint", event_id: batch[2]!.id }]);
  });
});

describe("soft bounces", () => {
  it("suppress after 5 in a row, counting Transient and Undetermined, and expire after 30 days", async () => {
    const a = address();
    const bounces = [soft(a, T0 + 1), soft(a, T0 + 2, "Undetermined"), soft(a, T0 + 3), soft(a, T0 + 4)];
    await applyEvents(env, bounces);
    expect(await state(a)).toBeNull();
    const fifth = soft(a, T0 + 5);
    await applyEvents(env, [fifth]);
    expect(await state(a)).toEqual(
      expect.objectContaining({ reason: "soft_bounce", eventId: fifth.id, expiresAt: new Date(T0 + 5 + 30 * DAY).toISOString() }),
    );
  });

  it("an expired soft-bounce suppression no longer applies", async () => {
    const a = address();
    const old = Date.now() - 31 * DAY;
    await applyEvents(
      env,
      [1, 2, 3, 4, 5].map((i) => soft(a, old + i)),
    );
    expect(await state(a)).toBeNull();
    const { results } = await env.DB.prepare("SELECT reason FROM suppressions WHERE email = ?")
      .bind(a.replace("Mail.Example.com", "mail.example.com"))
      .all();
    expect(results).toEqual([{ reason: "soft_bounce" }]);
  });

  it("a delivery between them resets the streak, even when it arrives after them", async () => {
    const a = address();
    await applyEvents(env, [soft(a, T0 + 1), soft(a, T0 + 2), soft(a, T0 + 3)]);
    await applyEvents(env, [ev(a, "delivery", T0 + 4)]);
    await applyEvents(env, [soft(a, T0 + 5), soft(a, T0 + 6), soft(a, T0 + 7), soft(a, T0 + 8)]);
    expect(await state(a)).toBeNull();
    await applyEvents(env, [soft(a, T0 + 9)]);
    expect(await state(a)).toMatchObject({ reason: "soft_bounce" });

    // The same history, arriving in the worst order: all bounces first, the delivery last.
    const b = address();
    await applyEvents(
      env,
      [1, 2, 3, 5, 6, 7, 8].map((i) => soft(b, T0 + i)),
    );
    await applyEvents(env, [ev(b, "delivery", T0 + 4)]);
    expect(await state(b)).toBeNull();
  });

  it("a replayed bounce never counts twice", async () => {
    const a = address();
    const four = [1, 2, 3, 4].map((i) => soft(a, T0 + i));
    await applyEvents(env, four);
    await applyEvents(env, four);
    await applyEvents(env, [four[3]!, four[3]!]);
    expect(await state(a)).toBeNull();
  });

  it("a delivery after a soft-bounce suppression ends it; it is written in the history", async () => {
    const a = address();
    await applyEvents(
      env,
      [1, 2, 3, 4, 5].map((i) => soft(a, T0 + i)),
    );
    const delivered = ev(a, "delivery", T0 + 100);
    await applyEvents(env, [delivered]);
    expect(await state(a)).toBeNull();
    expect((await history(a)).map((h) => [h.action, h.reason])).toEqual([
      ["suppress", "soft_bounce"],
      ["lift", "delivered"],
    ]);
  });

  it("honours SOFT_BOUNCE_LIMIT and SOFT_BOUNCE_SUPPRESSION_DAYS", async () => {
    const a = address();
    const custom = { ...env, SOFT_BOUNCE_LIMIT: "2", SOFT_BOUNCE_SUPPRESSION_DAYS: "3" };
    await applyEvents(custom, [soft(a, T0 + 1)]);
    expect(await state(a)).toBeNull();
    await applyEvents(custom, [soft(a, T0 + 2)]);
    expect(await state(a)).toMatchObject({ reason: "soft_bounce", expiresAt: new Date(T0 + 2 + 3 * DAY).toISOString() });
  });
});

describe("unsubscribes", () => {
  it("an SES Subscription event with unsubscribeAll suppresses; one without does not", async () => {
    const a = address();
    const b = address();
    await applyEvents(env, [
      ev(a, "subscription", T0, { unsubscribeAll: true, topicPreferences: [] }),
      ev(b, "subscription", T0, { unsubscribeAll: false, topicPreferences: [{ topicName: "news", subscriptionStatus: "OptOut" }] }),
    ]);
    expect(await state(a)).toMatchObject({ reason: "unsubscribe", expiresAt: null });
    expect(await state(b)).toBeNull();
  });
});

describe("manual lift", () => {
  it("lifts, and replayed old events do not bring the suppression back; new ones do", async () => {
    const a = address();
    const bounce = hard(a, T0);
    await applyEvents(env, [bounce]);
    expect((await api(`/suppressions/${encodeURIComponent(a)}`, { method: "DELETE" })).status).toBe(204);
    expect(await state(a)).toBeNull();
    await applyEvents(env, [bounce]);
    expect(await state(a)).toBeNull();
    const later = hard(a, Date.now() + 1000);
    await applyEvents(env, [later]);
    expect(await state(a)).toMatchObject({ reason: "hard_bounce", eventId: later.id });
    expect((await history(a)).map((h) => h.action)).toEqual(["suppress", "lift", "suppress"]);
  });
});

describe("addresses", () => {
  it("match whatever the case of the whole address, and are shown as first given", async () => {
    const a = address(); // Person.N.xxxxxx@Mail.Example.com
    const complaint = ev(a, "complaint", T0);
    await applyEvents(env, [complaint]);
    const shown = a.replace("Mail.Example.com", "mail.example.com");
    for (const spelling of [a, a.toLowerCase(), a.toUpperCase(), a.replace("Person", "person")]) {
      expect(await state(spelling), spelling).toMatchObject({ email: shown, reason: "complaint", eventId: complaint.id });
    }
    // Another spelling's events change nothing: one row, one history entry, the first reason and spelling stay.
    await applyEvents(env, [hard(a.toLowerCase(), T0 + 10), ev(a.toUpperCase(), "complaint", T0 + 20)]);
    const { results } = await env.DB.prepare("SELECT email, reason FROM suppressions WHERE lower(email) = lower(?)").bind(a).all();
    expect(results).toEqual([{ email: shown, reason: "complaint" }]);
    expect(await history(a)).toEqual([{ action: "suppress", reason: "complaint", event_id: complaint.id }]);
  });

  it("a lift in any case lifts it, and old events in another case do not bring it back", async () => {
    const a = address();
    const bounce = hard(a, T0);
    await applyEvents(env, [bounce]);
    expect((await api(`/suppressions/${encodeURIComponent(a.toUpperCase())}`, { method: "DELETE" })).status).toBe(204);
    expect(await state(a)).toBeNull();
    await applyEvents(env, [hard(a.toLowerCase(), T0 + 1)]);
    expect(await state(a)).toBeNull();
  });

  it("keep an address that complained in one case from being mailed in another", async () => {
    const a = address();
    await applyEvents(env, [ev(a, "complaint", T0)]);
    const res = await api("/send", {
      method: "POST",
      json: { campaignId: "rules", to: a.toLowerCase(), from: "Shop <shop@example.com>", subject: "Hello", text: "hi" },
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: "suppressed", reason: "complaint" });
  });
});
