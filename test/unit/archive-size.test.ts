// The archive's size budget: ≤ 100 bytes per event for a file of 10,000 events in the shapes the pipeline stores.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { archiveParquet, type ArchivedEvent } from "../../src/archive/parquet";

const hex = (bytes: number) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
const b64 = (bytes: number) => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes)))).replace(/[+/=]/g, "x");

/** Mails as the bench shapes them: send and delivery, a bounce 5 %, opens 30 %, clicks 5 % (2.35 events a mail). */
function events(count: number, seed: number): ArchivedEvent[] {
  const rand = fc.sample(fc.double({ min: 0, max: 1, noNaN: true }), { seed, numRuns: count * 3 });
  const out: ArchivedEvent[] = [];
  let t = Date.UTC(2026, 5, 11);
  let i = 0;
  while (out.length < count) {
    const r = rand[i++ % rand.length]!;
    const mail = { campaignId: `campaign-${Math.floor(r * 20)}`, contact: b64(12), sesMessageId: `0100019${hex(26)}-${hex(18)}-000000` };
    const row = (type: string, extra: Partial<ArchivedEvent> = {}): ArchivedEvent => ({
      eventId: hex(16),
      type,
      occurredAt: (t += Math.floor(r * 400)),
      link: null,
      linkIndex: null,
      machine: null,
      machineReason: null,
      source: "ses",
      bounceType: null,
      bounceSubType: null,
      ...mail,
      ...extra,
    });
    out.push(row("send"), row("delivery"));
    if (r < 0.05) out.push(row("bounce", { bounceType: "Permanent", bounceSubType: "General" }));
    if (r < 0.3) out.push(row("open", { machine: r < 0.1, machineReason: r < 0.1 ? "apple_mpp" : "human", source: null }));
    if (r < 0.05)
      out.push(
        row("click", { link: `https://shop.example/p/${Math.floor(r * 1000)}`, linkIndex: 0, machine: false, machineReason: "human", source: null }),
      );
  }
  return out.slice(0, count);
}

describe("archive file size", () => {
  it("stays under 100 bytes an event at 10,000 events a file", () => {
    const rows = events(10_000, 24);
    const bytes = archiveParquet(rows).byteLength;
    const perEvent = bytes / rows.length;
    console.log(`archive: ${rows.length} events, ${bytes} bytes, ${perEvent.toFixed(1)} bytes/event`);
    expect(perEvent).toBeLessThanOrEqual(100);
  });
});
