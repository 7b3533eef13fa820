// A batch's counter and hour writes are folded: each counters and hours row is written once per batch, not per event.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CampaignStats } from "../../src/objects/campaign-stats";
import { countedEvent } from "../../src/stats/counting";
import { sampleEvent, uniqueId } from "../support/helpers";

function stub(campaignId: string): DurableObjectStub<CampaignStats> {
  return env.CAMPAIGN_STATS.get(env.CAMPAIGN_STATS.idFromName(campaignId));
}

/** Rows SQLite changed while `record` ran in the object (total_changes() counts every inserted, updated or deleted row). */
async function rowsChangedBy(campaignId: string, n: number): Promise<{ changed: number; opens: number }> {
  const at = Date.UTC(2026, 11, 7, 10, 0, 0);
  // One person's opens in one hour: the applied ids are n rows, everything else is a handful of counter rows.
  const list = Array.from({ length: n }, (_, i) =>
    countedEvent(sampleEvent({ campaignId, type: "open", contactId: "ann@example.com", email: "ann@example.com", occurredAt: at + i })),
  );
  return runInDurableObject(stub(campaignId), async (instance, state) => {
    const changes = () => state.storage.sql.exec<{ n: number }>("SELECT total_changes() AS n").one().n;
    const before = changes();
    await instance.record(list);
    return { changed: changes() - before, opens: instance.counts().opens };
  });
}

describe("counter writes are folded per batch", () => {
  it("writes each counter and hour row once for a batch, whatever its size", async () => {
    const small = await rowsChangedBy(uniqueId("fold-small"), 10);
    const large = await rowsChangedBy(uniqueId("fold-large"), 400);
    expect([small.opens, large.opens]).toEqual([10, 400]);
    // Beyond one applied id an event, both batches change the same rows: a counter, its hour, the unique set.
    expect(large.changed - 400).toBe(small.changed - 10);
    expect(large.changed).toBeLessThan(400 * 1.05);
  });
});
