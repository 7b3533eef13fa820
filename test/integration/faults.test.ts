// Faults in the consumer at each step it takes: every message is retried, and redelivery ends exact.
import type { MessageBatchMessage } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { envelope, type TrackingEvent } from "../../src/domain/events";
import { backoffSeconds, DEAD_LETTER_RETRY, EVENTS_DLQ, EVENTS_QUEUE, EVENTS_RETRY, retryBudgetSeconds, SEND_DLQ } from "../../src/config/queues";
import { campaignStats } from "../../src/objects/stats-client";
import { zeroCounts, type Counts } from "../../src/stats/counting";
import { COUNTS_FROM_D1_SQL, countsByCampaign, type CampaignCountsRow } from "../support/d1-counts";
import { failingAfterCommit, failingInsideBatch, faultyCounters, faultyD1 } from "../support/faults";
import { eventsFor, sampleEvent, uniqueId } from "../support/helpers";
import { deliver, messages, redelivered, rideOut } from "../support/queue";

/**
 * 20 messages, one event each, as the edge and SNS send them, over two campaigns (ids starting with `prefix`):
 * sends, deliveries, opens and clicks by a few contacts (so unique counts differ from totals), and a hard bounce
 * that suppresses its address.
 */
function trafficFor(prefix: string): { events: TrackingEvent[]; batch: MessageBatchMessage[]; bounced: string; campaigns: string[] } {
  const campaigns = [`${prefix}-a`, `${prefix}-b`];
  const bounced = `${prefix}-bounced@example.com`;
  const kinds = ["send", "delivery", "open", "click", "open"] as const;
  const events = Array.from({ length: 20 }, (_, i) => {
    const campaignId = campaigns[i % 2]!;
    if (i === 7) return sampleEvent({ campaignId, type: "bounce", email: bounced, contactId: bounced, metadata: { bounceType: "Permanent" } });
    const contact = `${prefix}-${i % 3}@example.com`;
    const type = kinds[i % kinds.length]!;
    const link = type === "click" ? { link: "https://shop.example.com/", linkIndex: 0 } : {};
    return sampleEvent({ campaignId, type, contactId: contact, email: contact, ...link });
  });
  return { events, batch: messages(events.map((e) => envelope([e]))), bounced, campaigns };
}

async function suppressionHistoryFor(email: string): Promise<Array<{ action: string; reason: string | null }>> {
  const { results } = await env.DB.prepare("SELECT action, reason FROM suppression_history WHERE email = ?")
    .bind(email)
    .all<{ action: string; reason: string | null }>();
  return results;
}

async function storedIds(prefix: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT id FROM events WHERE campaign_id LIKE ? || '%'").bind(prefix).all<{ id: string }>();
  return results.map((r) => r.id).sort();
}

/** Every counter of every campaign under `prefix`, recomputed from the events stored in D1. */
async function countsFromD1(prefix: string): Promise<Map<string, Counts>> {
  const { results } = await env.DB.prepare(COUNTS_FROM_D1_SQL).bind(prefix).all<CampaignCountsRow>();
  return countsByCampaign(results);
}

const countersOf = (campaignId: string): Promise<Counts> => campaignStats(env.CAMPAIGN_STATS, campaignId).counts();

/** What "exact" means after any sequence of faults and redeliveries: each event once, each effect once. */
async function expectExact(prefix: string, campaigns: readonly string[], events: readonly TrackingEvent[], bounced: string): Promise<void> {
  expect(await storedIds(prefix)).toEqual(events.map((e) => e.id).sort());
  expect(await suppressionHistoryFor(bounced)).toEqual([{ action: "suppress", reason: "hard_bounce" }]);
  const fromD1 = await countsFromD1(prefix);
  expect([...fromD1.keys()].sort()).toEqual([...campaigns].sort());
  for (const campaignId of campaigns) {
    // The recount is not vacuous: it sees this campaign's opens.
    expect(fromD1.get(campaignId)!.opens).toBe(events.filter((e) => e.campaignId === campaignId && e.type === "open").length);
    expect(await countersOf(campaignId), campaignId).toEqual(fromD1.get(campaignId));
  }
}

interface FaultStep {
  step: string;
  /** The bindings the consumer sees while the fault lasts. */
  faulty: () => Env;
  /** Whether the events are in D1 after the failed attempt (they are once D1 committed). */
  storedDuringFault: boolean;
  /** Whose messages fail while the fault lasts (the others are stored alone and acknowledged). */
  failing: (campaignId: string) => boolean;
  /** Which campaigns' counters moved during the failed attempt (those whose counter call went through). */
  countedDuringFault: (campaignId: string) => boolean;
}

const STEPS: FaultStep[] = [
  {
    step: "before D1 (D1 unreachable: nothing executes)",
    faulty: () => ({ ...env, DB: faultyD1(env.DB, () => true) }),
    storedDuringFault: false,
    failing: () => true,
    countedDuringFault: () => false,
  },
  {
    step: "inside the D1 batch (a statement fails mid-transaction)",
    faulty: () => ({ ...env, DB: failingInsideBatch(env.DB) }),
    storedDuringFault: false,
    failing: () => true,
    countedDuringFault: () => false,
  },
  {
    step: "after D1 committed (the answer is lost)",
    faulty: () => ({ ...env, DB: failingAfterCommit(env.DB) }),
    storedDuringFault: true,
    failing: () => true,
    countedDuringFault: () => false,
  },
  {
    step: "between D1 and counters (D1 committed, the counter call fails)",
    faulty: () => ({ ...env, CAMPAIGN_STATS: faultyCounters(env.CAMPAIGN_STATS, () => true) }),
    storedDuringFault: true,
    failing: () => true,
    countedDuringFault: () => false,
  },
  {
    step: "between D1 and counters for one campaign of two (the other counted)",
    faulty: () => ({ ...env, CAMPAIGN_STATS: faultyCounters(env.CAMPAIGN_STATS, (id) => id.endsWith("-b")) }),
    storedDuringFault: true,
    failing: (id) => id.endsWith("-b"),
    countedDuringFault: (id) => id.endsWith("-a"),
  },
  {
    step: "after counters (both applied, the consumer fails before acking)",
    faulty: () => ({ ...env, CAMPAIGN_STATS: faultyCounters(env.CAMPAIGN_STATS, () => true, "after") }),
    storedDuringFault: true,
    failing: () => true,
    countedDuringFault: () => true,
  },
];

describe("consumer faults", () => {
  it.each(STEPS)(
    "fails $step: every message is retried, and redelivery ends exact",
    async ({ faulty, storedDuringFault, failing, countedDuringFault }) => {
      const prefix = uniqueId("fault");
      const { events, batch, bounced, campaigns } = trafficFor(prefix);

      const failed = await deliver(EVENTS_QUEUE, batch, faulty());
      // Nothing acknowledged that was not stored and counted: Queues will offer those messages again, after a delay.
      const fails = (m: MessageBatchMessage) => failing(events[batch.indexOf(m)]!.campaignId!);
      expect(failed.explicitAcks.sort()).toEqual(
        batch
          .filter((m) => !fails(m))
          .map((m) => m.id)
          .sort(),
      );
      expect(failed.ackAll).toBe(false);
      expect(failed.retryMessages.map((m) => m.msgId).sort()).toEqual(
        batch
          .filter(fails)
          .map((m) => m.id)
          .sort(),
      );
      // A failed D1 batch is one rolled-back transaction: all of it or none of it.
      expect(await storedIds(prefix)).toHaveLength(storedDuringFault ? events.length : 0);
      // A campaign counted during the fault has applied those ids, and must skip them on redelivery.
      const fromD1 = await countsFromD1(prefix);
      for (const campaignId of campaigns) {
        expect(await countersOf(campaignId), campaignId).toEqual(countedDuringFault(campaignId) ? fromD1.get(campaignId) : zeroCounts());
      }

      const retried = await deliver(EVENTS_QUEUE, redelivered(batch.filter(fails), 2));
      expect(retried.retryMessages).toEqual([]);
      expect(retried.explicitAcks).toHaveLength(batch.filter(fails).length);
      await expectExact(prefix, campaigns, events, bounced);

      // At-least-once means it can come yet again, whole or in part: still exact.
      await deliver(EVENTS_QUEUE, redelivered(batch.slice(5, 15), 3));
      await expectExact(prefix, campaigns, events, bounced);
    },
  );

  it("ends exact when a fully applied batch is delivered again (the acknowledgement was lost)", async () => {
    const prefix = uniqueId("fault-ack");
    const { events, batch, bounced, campaigns } = trafficFor(prefix);
    const first = await deliver(EVENTS_QUEUE, batch);
    expect(first.explicitAcks).toHaveLength(batch.length);
    await expectExact(prefix, campaigns, events, bounced);
    const before = await Promise.all(campaigns.map(countersOf));

    // Queues offers the whole batch again, as it does when the ack never reached it; and again split in two.
    const again = await deliver(EVENTS_QUEUE, redelivered(batch, 2));
    expect(again.explicitAcks).toHaveLength(batch.length);
    await deliver(EVENTS_QUEUE, redelivered(batch.slice(0, 10).reverse(), 3));
    await deliver(EVENTS_QUEUE, redelivered(batch.slice(10), 3));
    await expectExact(prefix, campaigns, events, bounced);
    expect(await Promise.all(campaigns.map(countersOf))).toEqual(before);
  });

  it("fails inside the D1 batch with a real SQLite error, not a stand-in", async () => {
    await expect(failingInsideBatch(env.DB).batch([env.DB.prepare("SELECT 1")])).rejects.toThrow(/NOT NULL/);
  });

  it("takes a poison message through every retry to the dead-letter table, and stores the rest of its batch", async () => {
    const maxRetries = env.TEST_QUEUE_MAX_RETRIES[EVENTS_QUEUE]!;
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
    expect(first.explicitAcks.sort()).toEqual(
      batch
        .filter((m) => m !== poisonMessage)
        .map((m) => m.id)
        .sort(),
    );
    for (let attempt = 2; attempt <= maxRetries + 1; attempt++) {
      const again = await deliver(EVENTS_QUEUE, redelivered([poisonMessage], attempt), sick);
      expect(again.retryMessages.map((m) => m.msgId)).toEqual([poisonMessage.id]);
      expect(again.explicitAcks).toEqual([]);
    }
    // Retries exhausted: Queues hands it to the dead-letter queue, whose consumer keeps it.
    const dlq = await deliver(EVENTS_DLQ, redelivered([poisonMessage], maxRetries + 1));
    expect(dlq.explicitAcks).toEqual([poisonMessage.id]);
    const { results } = await env.DB.prepare("SELECT queue, body, attempts, reason FROM dead_letters WHERE message_id = ?")
      .bind(poisonMessage.id)
      .all();
    expect(results).toEqual([{ queue: EVENTS_DLQ, body: JSON.stringify(poisonMessage.body), attempts: maxRetries + 1, reason: "retries exhausted" }]);
    expect((await eventsFor(campaignId)).map((r) => r.id).sort()).toEqual(good.map((e) => e.id).sort());
  });
});

const OUTAGES: Array<{ what: string; faulty: () => Env }> = [
  { what: "D1 unreachable", faulty: STEPS[0]!.faulty },
  { what: "D1 committing but its answers lost", faulty: STEPS[2]!.faulty },
  { what: "the counters unreachable", faulty: STEPS[3]!.faulty },
  { what: "the counters applying but their answers lost", faulty: STEPS[5]!.faulty },
];

describe("an outage longer than an hour", () => {
  it("is within the events queue's retry budget as wrangler.toml configures it (two hours)", () => {
    expect(env.TEST_QUEUE_MAX_RETRIES[EVENTS_QUEUE]).toBe(EVENTS_RETRY.maxRetries);
    expect(retryBudgetSeconds(EVENTS_RETRY)).toBeGreaterThanOrEqual(2 * 3600);
    // The budget stated in wrangler.toml: 7,215 s.
    expect(retryBudgetSeconds(EVENTS_RETRY)).toBe(7215);
    // Delays grow, and never beyond what Queues accepts (12 h) nor beyond 5 minutes (storing resumes soon after).
    const delays = Array.from({ length: EVENTS_RETRY.maxRetries }, (_, i) => backoffSeconds(EVENTS_RETRY, i + 1));
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(Math.max(...delays)).toBe(300);
  });

  it.each(OUTAGES)("of $what loses nothing and counts nothing twice", async ({ faulty }) => {
    const prefix = uniqueId("outage");
    const { events, batch, bounced, campaigns } = trafficFor(prefix);
    // 65 minutes: more attempts fail than an hour of retry delays holds.
    const { clock, delays } = await rideOut(EVENTS_QUEUE, batch, faulty, 65 * 60);
    expect(clock).toBeGreaterThanOrEqual(65 * 60);
    expect(delays.slice(0, -1).reduce((a, b) => a + b, 0)).toBeLessThan(65 * 60);
    await expectExact(prefix, campaigns, events, bounced);
  });

  it("as long as the whole budget: every delivery but the last fails, the last stores everything once", async () => {
    const prefix = uniqueId("outage-full");
    const { events, batch, bounced, campaigns } = trafficFor(prefix);
    const budget = retryBudgetSeconds(EVENTS_RETRY);
    const { clock, delays } = await rideOut(EVENTS_QUEUE, batch, STEPS[0]!.faulty, budget);
    expect(delays).toHaveLength(env.TEST_QUEUE_MAX_RETRIES[EVENTS_QUEUE]!);
    expect(clock).toBe(budget);
    await expectExact(prefix, campaigns, events, bounced);
  });
});

describe("the dead-letter queue consumer", () => {
  it("never acknowledges what it could not store: retried with a growing delay, stored once when D1 answers", async () => {
    const prefix = uniqueId("dlq-down");
    const bodies = [0, 1, 2].map(() => envelope([sampleEvent({ campaignId: prefix })]));
    const batch = messages(bodies, EVENTS_RETRY.maxRetries + 1);
    const down: Env = { ...env, DB: faultyD1(env.DB, () => true) };
    const stored = async () =>
      (
        await env.DB.prepare("SELECT message_id FROM dead_letters WHERE message_id IN (?, ?, ?)")
          .bind(...batch.map((m) => m.id))
          .all()
      ).results;

    let waited = 0;
    for (let attempts = 1; attempts <= DEAD_LETTER_RETRY.maxRetries + 1; attempts++) {
      const result = await deliver(EVENTS_DLQ, redelivered(batch, attempts), down);
      expect(result.ackAll).toBe(false);
      expect(result.explicitAcks).toEqual([]);
      expect(result.retryMessages.map((m) => m.msgId).sort()).toEqual(batch.map((m) => m.id).sort());
      if (attempts <= DEAD_LETTER_RETRY.maxRetries) waited += result.retryMessages[0]!.delaySeconds!;
    }
    // The budget wrangler.toml states for the dead-letter queues: about 48 hours, inside Queues' 4-day retention.
    expect(env.TEST_QUEUE_MAX_RETRIES[EVENTS_DLQ]).toBe(DEAD_LETTER_RETRY.maxRetries);
    expect(env.TEST_QUEUE_MAX_RETRIES[SEND_DLQ]).toBe(DEAD_LETTER_RETRY.maxRetries);
    expect(waited).toBe(retryBudgetSeconds(DEAD_LETTER_RETRY));
    expect(waited).toBe(172_860);
    expect(waited).toBeLessThan(4 * 86_400);
    expect(await stored()).toEqual([]);

    const back = await deliver(EVENTS_DLQ, redelivered(batch, 2));
    expect(back.explicitAcks.sort()).toEqual(batch.map((m) => m.id).sort());
    expect(await stored()).toHaveLength(3);
  });

  it("stores the others when D1 refuses one message, and retries only that one", async () => {
    const batch = messages(
      [0, 1, 2, 3].map(() => envelope([sampleEvent({ campaignId: uniqueId("dlq-one") })])),
      30,
    );
    const refused = batch[1]!;
    const result = await deliver(EVENTS_DLQ, batch, { ...env, DB: faultyD1(env.DB, (_sql, values) => values.includes(refused.id)) });
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([refused.id]);
    expect(result.explicitAcks.sort()).toEqual(
      batch
        .filter((m) => m !== refused)
        .map((m) => m.id)
        .sort(),
    );
    const { results } = await env.DB.prepare("SELECT message_id, status FROM dead_letters WHERE message_id IN (?, ?, ?, ?)")
      .bind(...batch.map((m) => m.id))
      .all<{ message_id: string; status: string }>();
    expect(results.map((r) => r.message_id).sort()).toEqual(
      batch
        .filter((m) => m !== refused)
        .map((m) => m.id)
        .sort(),
    );
    expect(results.every((r) => r.status === "pending")).toBe(true);
  });
});
