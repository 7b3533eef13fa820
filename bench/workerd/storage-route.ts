// The storage bench's tally route and answer, shared by the bench-only worker entry and the Node side that reads it.
/** What one store was billed for, as tallied in one isolate. */
export interface Tally {
  rowsWritten: number;
  rowsRead: number;
  /** Statements (D1) or exec calls (Durable Objects). */
  statements: number;
  /** Queue messages sent, and the JSON bytes of their bodies. */
  messages: number;
  messageBytes: number;
}

export const TALLIES_PATH = "/__bench/tallies";

export interface TalliesAnswer {
  /** By store: "d1", "do:CampaignStats", "do:AccountGuard", "queue:events", "queue:send", "queue:webhooks". */
  tallies: Record<string, Tally>;
  /** Messages each queue's consumer was handed, by queue name (redeliveries included). */
  consumed: Record<string, number>;
  sameIsolate: boolean;
}
