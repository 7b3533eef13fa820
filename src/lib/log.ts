// The one logger: each call writes one JSON line, `{ level, msg, ...fields }`, that Workers Logs indexes by field.
// No line names anyone: callers log ids and positions, never addresses, and as a last guard every address-shaped
// token left in a line (an SES error quoting a recipient) is replaced before it is written.

import { DrizzleQueryError } from "drizzle-orm/errors";
import { redactAll } from "../domain/identity";

export type LogFields = Record<string, unknown>;

/** An Error as a field keeps its text (JSON.stringify would write `{}`); a BigInt is written as its digits. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return String(value);
  if (typeof value === "bigint") return value.toString();
  return value;
}

function line(level: "info" | "warn" | "error", msg: string, fields: LogFields): string {
  try {
    return redactAll(JSON.stringify({ level, msg, ...fields }, replacer));
  } catch (err) {
    // A field that cannot be written (a cycle) must not turn a log call into a failure of what it reports on.
    return JSON.stringify({ level, msg, unloggable: String(err) });
  }
}

/**
 * A caught error as log fields: `error`, its text as String() writes it, and `stack` for an Error, so a failure logged
 * and handled still says where it came from. Both pass through the line's address redaction like any other field.
 */
export function errorFields(err: unknown): { error: string; stack?: string } {
  if (err instanceof DrizzleQueryError) return queryErrorFields(err);
  const stack = err instanceof Error ? err.stack : undefined;
  return stack ? { error: String(err), stack } : { error: String(err) };
}

/**
 * Drizzle writes a failed statement's bound parameters into its message (and so its stack): an address, a webhook
 * secret, an Idempotency-Key. The statement and the cause are kept, the parameters never reach a log line.
 */
function queryErrorFields(err: DrizzleQueryError): { error: string; stack?: string } {
  const error = `DrizzleQueryError: Failed query: ${err.query} (parameters left out); cause: ${String(err.cause)}`;
  const frames = (err.stack ?? "").split("\n").filter((l) => l.trimStart().startsWith("at "));
  return frames.length > 0 ? { error, stack: [error, ...frames].join("\n") } : { error };
}

export const log = {
  info(msg: string, fields: LogFields = {}): void {
    console.log(line("info", msg, fields));
  },
  warn(msg: string, fields: LogFields = {}): void {
    console.warn(line("warn", msg, fields));
  },
  error(msg: string, fields: LogFields = {}): void {
    console.error(line("error", msg, fields));
  },
};
