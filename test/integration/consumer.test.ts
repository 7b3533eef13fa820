// The events queue consumer: whole batches stored in one pass, idempotently; bad messages isolated.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EVENT_TYPES, envelope, type TrackingEvent } from "../../src/domain/events";
import { EVENTS_DLQ, EVENTS_QUEUE } from "../../src/config/queues";
import { faultyD1 } from "../support/faults";
import { eventsFor, sampleEvent, uniqueId } from "../support/helpers";
import { deliver, messages } from "../support/queue";

/** 100 messages cycling through every event type, with every optional field filled in on some. */
function mixedEvents(campaignId: string): TrackingEvent[] {
  return Array.from({ length: 100 }, (_, i) =>
    sampleEvent({
      campaignId,
      type: EVENT_TYPES[i % EVENT_TYPES.length]!,
      sesMessageId: i % 2 ? `ses-${i}` : null,
      link: i % 3 === 0 ? `https://example.com/${i}?q="quoted'` : null,
      linkIndex: i % 3 === 0 ? i : null,
      userAgent: i % 4 === 0 ? "Mozilla/5.0 (Ünïcode) 🙂" : null,
      ip: i % 5 === 0 ? "198.51.100.7" : null,
      metadata: i % 6 === 0 ? { bounceType: "Permanent", nested: { n: i } } : null,
    }),
  );
}

describe("events consumer", () => {
  it("stores a 100-message batch of every event type exactly, and a redelivery adds nothing", async () => {
    const campaignId = uniqueId("batch");
    const list = mixedEvents(campaignId);
    const batch = messages(list.map((e) => envelope([e])));

    const first = await deliver(EVENTS_QUEUE, batch);
    expect(first.retryMessages).toEqual([]);
    expect(first.explicitAcks).toHaveLength(100);

    const rows = await eventsFor(campaignId);
    expect(rows).toHaveLength(100);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const e of list) {
      const row = byId.get(e.id)!;
      expect(row).toMatchObject({
        type: e.type,
        campaign_id: campaignId,
        contact_id: e.contactId,
        email: e.email,
        ses_message_id: e.sesMessageId,
        occurred_at: e.occurredAt,
        link: e.link,
        link_index: e.linkIndex,
        user_agent: e.userAgent,
        // Stored as its network (/24) unless STORE_FULL_IP is "true".
        ip: e.ip ? "198.51.100.0" : null,
      });
      expect(row.metadata === null ? null : JSON.parse(row.metadata)).toEqual(e.metadata);
    }
    expect(new Set(rows.map((r) => r.type))).toEqual(new Set(EVENT_TYPES));

    // The same batch again (SNS and Queues both redeliver), then half of it: nothing new.
    const again = await deliver(EVENTS_QUEUE, batch);
    expect(again.explicitAcks).toHaveLength(100);
    await deliver(EVENTS_QUEUE, batch.slice(0, 50));
    expect(await eventsFor(campaignId)).toHaveLength(100);
  });

  it("stores a message carrying several events (one per bounced recipient) together", async () => {
    const campaignId = uniqueId("multi");
    const list = [1, 2, 3].map((n) => sampleEvent({ campaignId, type: "bounce", email: `r${n}@example.com`, contactId: `r${n}@example.com` }));
    const result = await deliver(EVENTS_QUEUE, messages([envelope(list)]));
    expect(result.explicitAcks).toHaveLength(1);
    expect((await eventsFor(campaignId)).map((r) => r.email).sort()).toEqual(["r1@example.com", "r2@example.com", "r3@example.com"]);
  });

  it("isolates a message that cannot be stored: the rest of the batch is stored, only it is retried", async () => {
    const campaignId = uniqueId("poison");
    const good = Array.from({ length: 9 }, () => sampleEvent({ campaignId }));
    const poison = sampleEvent({ campaignId });
    const batch = messages([...good.slice(0, 4), poison, ...good.slice(4)].map((e) => envelope([e])));
    // D1 refuses any statement that carries the poison event (as it would an oversized row).
    const db = faultyD1(env.DB, (_sql, values) => values.includes(poison.id));
    const result = await deliver(EVENTS_QUEUE, batch, { ...env, DB: db });
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([batch[4]!.id]);
    expect(result.explicitAcks).toHaveLength(9);
    expect((await eventsFor(campaignId)).map((r) => r.id).sort()).toEqual(good.map((e) => e.id).sort());
  });

  it("keeps bodies that are not event envelopes in dead_letters, with what is wrong, instead of retrying them forever", async () => {
    const campaignId = uniqueId("malformed");
    const bodies = [
      { hello: "world" },
      "plain text",
      envelope([{ ...sampleEvent(), type: "nope" as never }]),
      // Right type, wrong shape: it would have reached D1 (a campaign id bound as an object) and failed there on every retry.
      envelope([sampleEvent({ campaignId }), { ...sampleEvent({ campaignId }), campaignId: { id: campaignId } as never }]),
      envelope([{ ...sampleEvent({ campaignId }), occurredAt: "yesterday" as never }]),
    ];
    const batch = messages(bodies);
    const result = await deliver(EVENTS_QUEUE, batch);
    expect(result.explicitAcks).toHaveLength(bodies.length);
    expect(result.retryMessages).toEqual([]);
    const { results } = await env.DB.prepare(
      `SELECT message_id, body, reason FROM dead_letters WHERE message_id IN (${batch.map(() => "?").join(", ")})`,
    )
      .bind(...batch.map((m) => m.id))
      .all<{ message_id: string; body: string; reason: string }>();
    const reasons = new Map(results.map((r) => [r.message_id, r.reason]));
    expect(batch.map((m) => reasons.get(m.id))).toEqual([
      'not an event envelope: v: Invalid key: Expected "v" but received undefined',
      'not an event envelope: Invalid type: Expected Object but received "plain text"',
      expect.stringMatching(/^not an event envelope: events\.0\.type: must be one of send, delivery, /),
      "not an event envelope: events.1.campaignId: must be text or null",
      "not an event envelope: events.0.occurredAt: must be epoch milliseconds",
    ]);
    expect(results.map((r) => r.body)).toContain('{"hello":"world"}');
    // A message is kept or stored whole: the good event beside the malformed one is not stored either.
    expect(await eventsFor(campaignId)).toEqual([]);
  });

  it("stores what reaches the dead-letter queue once, however often it comes", async () => {
    const body = envelope([sampleEvent({ campaignId: uniqueId("dlq") })]);
    const batch = messages([body], 4);
    await deliver(EVENTS_DLQ, batch);
    const second = await deliver(EVENTS_DLQ, batch);
    expect(second.explicitAcks).toEqual([batch[0]!.id]);
    const row = await env.DB.prepare("SELECT queue, body, attempts, reason FROM dead_letters WHERE message_id = ?").bind(batch[0]!.id).all();
    expect(row.results).toEqual([{ queue: EVENTS_DLQ, body: JSON.stringify(body), attempts: 4, reason: "retries exhausted" }]);
  });
});
