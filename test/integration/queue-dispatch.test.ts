// The worker's queue handler: each consumed queue goes to its own consumer by exact name; any other name throws.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { QUEUE_CONSUMERS } from "../../src/index";
import { envelope } from "../../src/domain/events";
import { EVENTS_DLQ, EVENTS_QUEUE, SEND_DLQ } from "../../src/config/queues";
import { sampleEvent, uniqueId } from "../support/helpers";
import { deliver, messages } from "../support/queue";

async function storedEvent(id: string): Promise<boolean> {
  return (await env.DB.prepare("SELECT 1 FROM events WHERE id = ?").bind(id).first()) !== null;
}

async function deadLetter(messageId: string) {
  return env.DB.prepare("SELECT queue, reason FROM dead_letters WHERE message_id = ?").bind(messageId).first<{ queue: string; reason: string }>();
}

describe("queue dispatch", () => {
  it("has a consumer for exactly the queues wrangler.toml consumes", () => {
    expect([...QUEUE_CONSUMERS.keys()].sort()).toEqual(Object.keys(env.TEST_QUEUE_MAX_RETRIES).sort());
  });

  it("throws for a queue it does not know, and runs no consumer: a renamed queue is never read by the wrong code", async () => {
    for (const queue of ["mail-tracker-events-renamed", "mail-tracker-send-v2", "", "constructor"]) {
      const event = sampleEvent({ campaignId: uniqueId("dispatch") });
      await expect(deliver(queue, messages([envelope([event])]))).rejects.toThrow(/no consumer for queue/);
      // The events consumer stores within the handler call, so had it run the row would be there now.
      expect(await storedEvent(event.id), queue).toBe(false);
    }
  });

  it("sends each known queue to its own consumer", async () => {
    const event = sampleEvent({ campaignId: uniqueId("dispatch") });
    expect((await deliver(EVENTS_QUEUE, messages([envelope([event])]))).explicitAcks).toHaveLength(1);
    expect(await storedEvent(event.id)).toBe(true);
    for (const queue of [EVENTS_DLQ, SEND_DLQ]) {
      const batch = messages([{ any: "body" }], 4);
      await deliver(queue, batch);
      expect(await deadLetter(batch[0]!.id)).toEqual({ queue, reason: "retries exhausted" });
    }
  });
});
