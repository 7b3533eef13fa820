// Erasure forgets the person's event ids outside D1 (campaign objects' applied ids, the account guard's seen ids):
// some are unkeyed hashes of the address. Counted through the consumer, erased through the route, redelivered: the
// counts stay, no table holds their ids or the address's hash, and another person's ids are all still there.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { envelope, type TrackingEvent } from "../../src/domain/events";
import { sendEventId, unsubscribeEventId } from "../../src/domain/event-ids";
import { accountGuard, type AccountGuard } from "../../src/objects/account-guard";
import { EVENTS_QUEUE } from "../../src/config/queues";
import { sesEventId } from "../../src/ses/events";
import { campaignStats } from "../../src/objects/stats-client";
import { api, sampleEvent, uniqueId } from "../support/helpers";
import { deliver, messages, redelivered } from "../support/queue";

/** A person's events of one campaign, as SES, the edge and the unsubscribe route give them ids. */
async function eventsOf(campaignId: string, address: string, at: number): Promise<TrackingEvent[]> {
  const base = { campaignId, contactId: address, email: address, occurredAt: at };
  const sesMessageId = uniqueId("ses");
  const ses = (type: "bounce" | "complaint" | "delivery") => sesEventId(uniqueId("sns"), type, address);
  return [
    sampleEvent({ ...base, id: sendEventId(sesMessageId), type: "send", sesMessageId, metadata: { source: "ses" } }),
    sampleEvent({ ...base, id: await ses("delivery"), type: "delivery", sesMessageId, metadata: { source: "ses" } }),
    sampleEvent({ ...base, id: await ses("bounce"), type: "bounce", sesMessageId, metadata: { source: "ses", bounceType: "Permanent" } }),
    sampleEvent({ ...base, id: await ses("complaint"), type: "complaint", sesMessageId, metadata: { source: "ses" } }),
    sampleEvent({ ...base, type: "open" }),
    sampleEvent({ ...base, id: await unsubscribeEventId(campaignId, address), type: "unsubscribe" }),
  ];
}

/** The ids a Durable Object's table holds. */
function idsIn(stub: DurableObjectStub, table: "applied" | "seen"): Promise<string[]> {
  return runInDurableObject(stub, (_instance, state) =>
    state.storage.sql
      .exec<{ id: string }>(`SELECT id FROM ${table}`)
      .toArray()
      .map((r) => r.id),
  );
}

/** The account guard's window figures (its `from` moves with the clock). */
async function window(guard: DurableObjectStub<AccountGuard>) {
  const { from: _from, ...tally } = (await guard.state()).window;
  return tally;
}

async function stats(campaignId: string): Promise<Record<string, unknown>> {
  const res = await api(`/campaigns/${campaignId}/stats`);
  expect(res.status).toBe(200);
  const { guard: _guard, ...counts } = await res.json<Record<string, unknown>>();
  return counts;
}

describe("erasure forgets the person's event ids", () => {
  it("deletes them from the campaigns' applied ids and the account guard's seen ids; a redelivery counts nothing", async () => {
    const [first, second] = [uniqueId("ids-a"), uniqueId("ids-b")];
    const ann = `${uniqueId("ann")}@example.com`;
    const bob = `${uniqueId("bob")}@example.com`;
    const at = Date.now() - 60_000;
    const annEvents = [...(await eventsOf(first, ann, at)), ...(await eventsOf(second, ann, at))];
    const bobEvents = await eventsOf(first, bob, at);
    // One message per person and campaign, as the consumer takes them.
    const batch = messages([envelope(annEvents.slice(0, 6)), envelope(annEvents.slice(6)), envelope(bobEvents)]);
    expect((await deliver(EVENTS_QUEUE, batch)).retryMessages).toEqual([]);

    const campaigns = [campaignStats(env.CAMPAIGN_STATS, first), campaignStats(env.CAMPAIGN_STATS, second)];
    const guard = accountGuard(env.ACCOUNT_GUARD);
    const annIds = annEvents.map((e) => e.id);
    const annHashes = annIds.filter((id) => id.startsWith("sns:")).map((id) => id.split(":")[2]!);
    expect(annHashes).toHaveLength(6);
    // Before: the ids are there, the guard saw the sends, hard bounces and complaints.
    expect([...(await idsIn(campaigns[0]!, "applied")), ...(await idsIn(campaigns[1]!, "applied"))]).toEqual(expect.arrayContaining(annIds));
    expect(await idsIn(guard, "seen")).toEqual(
      expect.arrayContaining(annEvents.filter((e) => ["send", "bounce", "complaint"].includes(e.type)).map((e) => e.id)),
    );
    const before = { first: await stats(first), second: await stats(second), guard: await window(guard) };

    const res = await api(`/contacts/${encodeURIComponent(ann.toUpperCase())}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    const answer = await res.json<{ erased: { events: number; accountGuardIds: number; counterEntries: Record<string, number> } }>();
    expect(answer.erased.events).toBe(12);
    expect(answer.erased.counterEntries.appliedIds).toBe(12);
    expect(answer.erased.accountGuardIds).toBe(6);

    // No table of either campaign or of the account guard holds an id of Ann's, nor the hash part of one.
    for (const stub of [...campaigns, guard]) {
      const held = [...(stub === guard ? await idsIn(guard, "seen") : await idsIn(stub, "applied"))];
      expect(held.filter((id) => annIds.includes(id) || annHashes.some((h) => id.includes(h)))).toEqual([]);
      const everything = await runInDurableObject(stub, (_instance, state) => {
        const sql = state.storage.sql;
        const tables = sql
          .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
          .toArray();
        return tables.flatMap(({ name }) =>
          sql
            .exec<Record<string, SqlStorageValue>>(`SELECT * FROM "${name}"`)
            .toArray()
            .flatMap((row) => Object.values(row)),
        );
      });
      const texts = everything.filter((v): v is string => typeof v === "string");
      expect(texts.filter((t) => annIds.some((id) => t.includes(id)) || annHashes.some((h) => t.includes(h)))).toEqual([]);
    }
    // Bob's are all still there.
    expect(await idsIn(campaigns[0]!, "applied")).toEqual(expect.arrayContaining(bobEvents.map((e) => e.id)));
    expect(await idsIn(guard, "seen")).toEqual(
      expect.arrayContaining(bobEvents.filter((e) => ["send", "bounce", "complaint"].includes(e.type)).map((e) => e.id)),
    );

    // The same messages delivered again: the tombstone drops Ann's events, Bob's are applied ids, nothing counts.
    expect((await deliver(EVENTS_QUEUE, redelivered(batch, 2))).retryMessages).toEqual([]);
    expect({ first: await stats(first), second: await stats(second), guard: await window(guard) }).toEqual(before);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM events WHERE contact_id = ?").bind(ann).first<{ n: number }>()).toEqual({ n: 0 });
  });
});
