// What the events consumer received, counted from its one log line a batch ("events batch consumed"): messages and
// events, so a load run can say how many events a queue message carried on average.

export interface Consumed {
  batches: number;
  messages: number;
  events: number;
  /** Messages that failed and were retried: counted again when redelivered. */
  failed: number;
}

/** A log handler for the local worker (onWorkerLog) and the totals it has seen so far. */
export function consumedCounter(): { onWorkerLog: (level: string, message: string) => void; totals: () => Consumed } {
  const totals: Consumed = { batches: 0, messages: 0, events: 0, failed: 0 };
  const onWorkerLog = (_level: string, message: string) => {
    for (const text of message.split("\n")) {
      if (!text.includes('"events batch consumed"')) continue;
      try {
        const line = JSON.parse(text.slice(text.indexOf("{"))) as { msg?: string; messages?: number; events?: number; failed?: number };
        if (line.msg !== "events batch consumed") continue;
        totals.batches++;
        totals.messages += line.messages ?? 0;
        totals.events += line.events ?? 0;
        totals.failed += line.failed ?? 0;
      } catch {
        // Not one of the consumer's JSON lines.
      }
    }
  };
  return { onWorkerLog, totals: () => ({ ...totals }) };
}
