// The JSON logger: one parseable line per call, on the console method of its level, with the fields beside msg.
import { afterEach, describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { database } from "../../src/db/client";
import { errorFields, log } from "../../src/lib/log";

afterEach(() => vi.restoreAllMocks());

describe("log", () => {
  it("writes one JSON line per call with level, msg and the fields, on console.log / warn / error", () => {
    const out = {
      log: vi.spyOn(console, "log").mockImplementation(() => {}),
      warn: vi.spyOn(console, "warn").mockImplementation(() => {}),
      error: vi.spyOn(console, "error").mockImplementation(() => {}),
    };
    log.info("sent", { jobId: "j1", n: 3 });
    log.warn("sns topic not allowed", { topicArn: "arn:aws:sns:us-east-1:123456789012:x" });
    log.error("event enqueue failed");
    expect(out.log.mock.calls).toHaveLength(1);
    expect(JSON.parse(String(out.log.mock.calls[0]![0]))).toEqual({ level: "info", msg: "sent", jobId: "j1", n: 3 });
    expect(JSON.parse(String(out.warn.mock.calls[0]![0]))).toEqual({
      level: "warn",
      msg: "sns topic not allowed",
      topicArn: "arn:aws:sns:us-east-1:123456789012:x",
    });
    expect(JSON.parse(String(out.error.mock.calls[0]![0]))).toEqual({ level: "error", msg: "event enqueue failed" });
    expect(String(out.log.mock.calls[0]![0])).not.toContain("\n");
  });

  it("writes an Error field as its text, and a field it cannot serialise without throwing", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    log.error("request failed", { error: new TypeError("boom"), big: 10n });
    expect(JSON.parse(String(error.mock.calls[0]![0]))).toEqual({ level: "error", msg: "request failed", error: "TypeError: boom", big: "10" });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => log.error("cyclic", { cycle })).not.toThrow();
    expect(JSON.parse(String(error.mock.calls[1]![0]))).toMatchObject({ level: "error", msg: "cyclic", unloggable: expect.any(String) });
  });

  it("names nobody: an address left in a field (an SES error quoting the recipient) is replaced", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    log.error("send rejected", { jobId: "j1", error: "MessageRejected: Email address is not verified: Ann@Example.com" });
    const line = String(error.mock.calls[0]![0]);
    expect(line).not.toMatch(/ann@example\.com/i);
    expect(JSON.parse(line)).toEqual({
      level: "error",
      msg: "send rejected",
      jobId: "j1",
      error: "MessageRejected: Email address is not verified: [address]",
    });
  });

  it("logs a caught error with its stack (errorFields), the stack's addresses replaced too", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const err = new Error("rejected for ann@example.com");
    log.error("send failed", { jobId: "j1", ...errorFields(err) });
    const line = JSON.parse(String(error.mock.calls[0]![0]));
    expect(line).toMatchObject({ level: "error", msg: "send failed", jobId: "j1", error: "Error: rejected for [address]" });
    expect(line.stack).toMatch(/^Error: rejected for \[address\]\n\s+at /);
    expect(errorFields("plain text")).toEqual({ error: "plain text" });
  });

  it("leaves a failed statement's bound parameters out of the line (Drizzle writes them into its message)", async () => {
    const secret = "whsec_do-not-log-me";
    // A real failed statement: the column does not exist, and the secret is its bound parameter.
    const err = await database(env.DB)
      .run(sql`SELECT no_such_column FROM suppressions WHERE email_key = ${secret}`)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DrizzleQueryError);
    expect(String(err)).toContain(secret);
    const fields = errorFields(err);
    expect(JSON.stringify(fields)).not.toContain(secret);
    expect(fields.error).toMatch(/^DrizzleQueryError: Failed query: .+ \(parameters left out\); cause: /);
  });
});
