// What is stored of a client's address: its network (IPv4 /24, IPv6 /48) by default, in events and in dead letters;
// the whole address only with STORE_FULL_IP = "true". The queued event itself keeps it whole (classification needs it).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { envelope, type EventEnvelope } from "../../src/domain/events";
import { EVENTS_DLQ, EVENTS_QUEUE } from "../../src/config/queues";
import { eventsFor, getSettled, mint, recordingQueue, sampleEvent, uniqueId } from "../support/helpers";
import { deliver, messages } from "../support/queue";

const V4 = "203.0.113.77";
const V6 = "2001:db8:abcd:12:34::9";

async function storedIps(bindings: Env): Promise<string[]> {
  const campaignId = uniqueId("ip");
  const list = [V4, V6, "::ffff:198.51.100.200"].map((ip) => sampleEvent({ campaignId, ip, occurredAt: Date.now() }));
  const result = await deliver(EVENTS_QUEUE, messages([envelope(list)]), bindings);
  expect(result.explicitAcks).toHaveLength(1);
  const byId = new Map((await eventsFor(campaignId)).map((r) => [r.id, r.ip]));
  return list.map((e) => byId.get(e.id)!);
}

describe("stored client addresses", () => {
  it("are cut to their network by default", async () => {
    expect(await storedIps(env)).toEqual(["203.0.113.0", "2001:db8:abcd::", "198.51.100.0"]);
  });

  it('are kept whole with STORE_FULL_IP = "true"', async () => {
    expect(await storedIps({ ...env, STORE_FULL_IP: "true" })).toEqual([V4, V6, "::ffff:198.51.100.200"]);
  });

  it("are whole on the queued event, for the consumer's classification, and cut only when stored", async () => {
    const { queue, sent } = recordingQueue();
    const token = await mint({ kind: "open", campaignId: uniqueId("ip-edge"), contact: "a@example.com" });
    await getSettled(`/o/${token}.gif`, { headers: { "cf-connecting-ip": V6 } }, { ...env, EVENTS: queue });
    expect((sent as EventEnvelope[])[0]!.events[0]!.ip).toBe(V6);
  });

  it("are cut in dead letters too", async () => {
    const event = sampleEvent({ campaignId: uniqueId("ip-dlq"), ip: V4, userAgent: "UA/1" });
    const [message] = messages([envelope([event])], 30);
    await deliver(EVENTS_DLQ, [message!]);
    const row = await env.DB.prepare("SELECT body FROM dead_letters WHERE message_id = ?").bind(message!.id).first<{ body: string }>();
    expect(row!.body).not.toContain(V4);
    expect(JSON.parse(row!.body).events[0]).toMatchObject({ id: event.id, ip: "203.0.113.0", userAgent: "UA/1" });
  });
});
