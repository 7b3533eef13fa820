// Faults in the consumer at each step it takes: every message is retried, and redelivery ends exact.
import type { MessageBatchMessage } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { envelope, type TrackingEvent } from "../src/domain/events";
import { EVENTS_DLQ, EVENTS_QUEUE } from "../src/pipeline/queues";
import { failingAfterCommit, failingInsideBatch, faultyD1 } from "./faults";
import { eventsFor, sampleEvent, uniqueId } from "./helpers";
import { deliver, messages, redelivered } from "./queue";

/** 20 messages, one event each, as the edge and SNS send them; one is a hard bounce that suppresses its address. */
function trafficFor(campaignId: string): { events: TrackingEvent[]; batch: MessageBatchMessage[]; bounced: string } {
  const bounced = `${campaignId}-bounced@example.com`;
  const events = Array.from({ length: 20 }, (_, i) =>
    i === 7
      ? sampleEvent({ campaignId, type: "bounce", email: bounced, contactId: bounced, metadata: { bounceType: "Permanent" } })
      : sampleEvent({ campaignId, type: i % 2 ? "click" : "open" }),
  );
  return { events, batch: messages(events.map((e) => envelope([e]))), bounced };
}

async function suppressionHistoryFor(email: string): Promise<Array<{ action: string; reason: string | null }>> {
  const { results } = await env.DB.prepare("SELECT action, reason FROM suppression_history WHERE email = ?")
    .bind(email)
    .all<{ action: string; reason: string | null }>();
  return results;
}

/** What "exact" means after any sequence of faults and redeliveries: each event once, each effect once. */
async function expectExact(campaignId: string, events: readonly TrackingEvent[], bounced: string): Promise<void> {
  const rows = await eventsFor(campaignId);
  expect(rows.map((r) => r.id).sort()).toEqual(events.map((e) => e.id).sort());
  expect(await suppressionHistoryFor(bounced)).toEqual([{ action: "suppress", reason: "hard_bounce" }]);
  // Counters (issue #6): once CampaignStats exists, its opens/clicks/bounces for campaignId must equal the rows above.
}

interface FaultStep {
  step: string;
  /** The bindings the consumer sees while the fault lasts. */
  faulty: () => Env;
  /** Whether the events are in D1 after the failed attempt (they are once D1 committed). */
  storedDuringFault: boolean;
}

const STEPS: FaultStep[] = [
  { step: "before D1 (D1 unreachable: nothing executes)", faulty: () => ({ ...env, DB: faultyD1(env.DB, () => true) }), storedDuringFault: false },
  { step: "inside the D1 batch (a statement fails mid-transaction)", faulty: () => ({ ...env, DB: failingInsideBatch(env.DB) }), storedDuringFault: false },
  { step: "after D1 committed (the answer is lost)", faulty: () => ({ ...env, DB: failingAfterCommit(env.DB) }), storedDuringFault: true },
  // Issue #6 adds the counters step; add here: "between D1 and counters" (D1 committed, counter call fails) with
  // storedDuringFault true, and "after counters" (both done, the consumer fails before acking).
];

describe("consumer faults", () => {
  it.each(STEPS)("fails $step: every message is retried, and redelivery ends exact", async ({ faulty, storedDuringFault }) => {
    const campaignId = uniqueId("fault");
    const { events, batch, bounced } = trafficFor(campaignId);

    const failed = await deliver(EVENTS_QUEUE, batch, faulty());
    // Nothing acknowledged that was not stored: Queues will offer every message again, after a delay.
    expect(failed.explicitAcks).toEqual([]);
    expect(failed.ackAll).toBe(false);
    expect(failed.retryMessages.map((m) => m.msgId).sort()).toEqual(batch.map((m) => m.id).sort());
    // A failed D1 batch is one rolled-back transaction: all of it or none of it.
    expect(await eventsFor(campaignId)).toHaveLength(storedDuringFault ? events.length : 0);

    const retried = await deliver(EVENTS_QUEUE, redelivered(batch, 2));
    expect(retried.retryMessages).toEqual([]);
    expect(retried.explicitAcks).toHaveLength(batch.length);
    await expectExact(campaignId, events, bounced);

    // At-least-once means it can come yet again, whole or in part: still exact.
    await deliver(EVENTS_QUEUE, redelivered(batch.slice(5, 15), 3));
    await expectExact(campaignId, events, bounced);
  });

  it("fails inside the D1 batch with a real SQLite error, not a stand-in", async () => {
    await expect(failingInsideBatch(env.DB).batch([env.DB.prepare("SELECT 1")])).rejects.toThrow(/NOT NULL/);
  });

  it.todo("fails between D1 and counters (issue #6): D1 stored, the counter call failed; redelivery → counters exact");
  it.todo("fails after counters (issue #6): both applied, the consumer failed before acking; redelivery → counters exact");

  it("takes a poison message through every retry to the dead-letter table, and stores the rest of its batch", async () => {
    const maxRetries = env.TEST_EVENTS_MAX_RETRIES;
    expect(maxRetries).toBeGreaterThan(0);
    const campaignId = uniqueId("poison");
    const good = Array.from({ length: 9 }, () => sampleEvent({ campaignId }));
    const poison = sampleEvent({ campaignId });
    const batch = messages([...good.slice(0, 4), poison, ...good.slice(4)].map((e) => envelope([e])));
    const poisonMessage = batch[4]!;
    // D1 refuses any statement that carries the poison event, every time (as it would a row it cannot take).
    const sick: Env = { ...env, DB: faultyD1(env.DB, (_sql, values) => values.includes(poison.id)) };

    // Attempt 1 is the whole batch; attempts 2..max_retries+1 are the poison alone, as Queues redelivers it.
    const first = await deliver(EVENTS_QUEUE, batch, sick);
    expect(first.retryMessages.map((m) => m.msgId)).toEqual([poisonMessage.id]);
    expect(first.explicitAcks.sort()).toEqual(batch.filter((m) => m !== poisonMessage).map((m) => m.id).sort());
    for (let attempt = 2; attempt <= maxRetries + 1; attempt++) {
      const again = await deliver(EVENTS_QUEUE, redelivered([poisonMessage], attempt), sick);
      expect(again.retryMessages.map((m) => m.msgId)).toEqual([poisonMessage.id]);
      expect(again.explicitAcks).toEqual([]);
    }
    // Retries exhausted: Queues hands it to the dead-letter queue, whose consumer keeps it.
    const dlq = await deliver(EVENTS_DLQ, redelivered([poisonMessage], maxRetries + 1));
    expect(dlq.ackAll).toBe(true);
    const { results } = await env.DB.prepare("SELECT queue, body, attempts, reason FROM dead_letters WHERE message_id = ?")
      .bind(poisonMessage.id)
      .all();
    expect(results).toEqual([
      { queue: EVENTS_DLQ, body: JSON.stringify(poisonMessage.body), attempts: maxRetries + 1, reason: "retries exhausted" },
    ]);
    expect((await eventsFor(campaignId)).map((r) => r.id).sort()).toEqual(good.map((e) => e.id).sort());
  });
});
