// Idempotency-Key on sending routes: a repeat gets the first answer, another request under the key is refused.

import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { config } from "../config/config";
import { database } from "../db/client";
import { answerKey, keyRecord, releaseKey, takeKey, takeOverKey } from "../db/idempotency";
import { judgeRepeat, parseIdempotencyKey, requestFingerprint } from "../domain/idempotency";
import { AppError, errorBody } from "../lib/errors";
import { errorFields, log } from "../lib/log";
import { digestLegacyKey, idempotencyDigest, replayedAnswer, storedAnswer } from "../privacy/idempotency-digest";
import { SesError } from "../ses/client";
import { appErrorFromSes } from "../ses/app-error";
import type { AppEnv } from "./app-env";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";

/** The key the request runs under, and the job it creates or resumes (campaign sends). */
export interface KeyHold {
  key: string;
  jobId: string | null;
}

export interface Answer {
  status: ContentfulStatusCode;
  body: Record<string, unknown>;
}

export interface IdempotencyOptions {
  /** The job a new request creates, fixed before it runs so that a repeat resumes it; null: it creates none. */
  newJobId: string | null;
  /**
   * When the first request stopped without an answer (failed part-way, or died): `resume` runs the request
   * again (its work is claimed step by step, so repeating it is harmless); `unknown` answers outcome_unknown,
   * since the first may have acted and running again could act twice.
   */
  onStale: "resume" | "unknown";
}

function respond(c: Context<AppEnv>, key: string, status: ContentfulStatusCode, body: string, replayed: boolean): Response {
  const headers: Record<string, string> = { "content-type": "application/json", [IDEMPOTENCY_HEADER]: key };
  if (replayed) headers["Idempotent-Replayed"] = "true";
  return c.body(body, status, headers);
}

function asAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof SesError) return appErrorFromSes(err);
  return null;
}

/**
 * Run `run` at most once per key. The key comes from the `Idempotency-Key` header; without one the server makes
 * one and answers it in the same header, so a client can still repeat safely. The fingerprint is the method,
 * path and validated body (canonical JSON): reordering fields or spacing is the same request.
 *
 * Kept as the answer for 24 hours: a success, and `outcome_unknown` (SES may have sent: a repeat must not send
 * again). Any other failure means nothing was done, or what was done is resumable: the key is released and a
 * repeat runs again.
 */
export async function idempotent(
  c: Context<AppEnv>,
  body: unknown,
  options: IdempotencyOptions,
  run: (hold: KeyHold) => Promise<Answer>,
): Promise<Response> {
  const header = c.req.header(IDEMPOTENCY_HEADER);
  const parsed = header === undefined ? { ok: true as const, key: `auto-${crypto.randomUUID()}` } : parseIdempotencyKey(header);
  if (!parsed.ok) throw new AppError("bad_request", parsed.reason);
  const key = parsed.key;
  const fingerprint = await requestFingerprint(c.req.method, new URL(c.req.url).pathname, body);
  const db = database(c.env.DB);
  const { privacy } = config(c.env);
  // Stored and looked up by its keyed digest only (src/privacy/idempotency-digest.ts); a row from before digests
  // is moved to its digest first, so a repeat across the upgrade still finds it.
  const digest = await idempotencyDigest(privacy, key);
  await digestLegacyKey(db, privacy, key);
  const now = Date.now();

  const keep = async (status: ContentfulStatusCode, answer: Record<string, unknown>): Promise<Response> => {
    await answerKey(db, digest, status, storedAnswer(answer)).catch((err: unknown) => {
      // The work is done; its answer is not kept, and the key's lease runs out: a repeat resumes or learns it is unknown.
      log.error("idempotent answer not kept", { status, ...errorFields(err) });
    });
    return respond(c, key, status, JSON.stringify(answer), false);
  };
  const unknownOutcome = (err: AppError) => keep(err.status as ContentfulStatusCode, { ...errorBody(err), idempotencyKey: key });

  const taken = await takeKey(db, { key: digest, fingerprint, jobId: options.newJobId, now });
  let hold: KeyHold;
  if (taken.taken) {
    hold = { key, jobId: taken.jobId };
  } else {
    const verdict = judgeRepeat(keyRecord(taken.row), fingerprint, now);
    if (verdict.kind === "mismatch") {
      throw new AppError(
        "idempotency_key_reused",
        "this Idempotency-Key was used for a different request (method, path or body); use a new key for a new request",
        { idempotencyKey: key },
      );
    }
    if (verdict.kind === "replay") return respond(c, key, verdict.status as ContentfulStatusCode, replayedAnswer(verdict.body, key), true);
    const took = verdict.kind === "stale" ? await takeOverKey(db, digest, verdict.lockedUntil, now) : null;
    if (!took) {
      throw new AppError(
        "idempotency_key_in_use",
        "a request with this Idempotency-Key is still in progress; repeat it after that one has answered",
        { idempotencyKey: key },
      );
    }
    if (options.onStale === "unknown") {
      return unknownOutcome(
        new AppError(
          "outcome_unknown",
          "an earlier request with this Idempotency-Key stopped without an answer; whether it sent is unknown, so nothing was sent again",
        ),
      );
    }
    hold = { key, jobId: took.jobId };
  }

  try {
    const answer = await run(hold);
    return await keep(answer.status, answer.body);
  } catch (err) {
    const mapped = asAppError(err);
    if (mapped?.code === "outcome_unknown") return unknownOutcome(mapped);
    await releaseKey(db, digest, options.onStale === "resume").catch((releaseErr: unknown) => {
      log.error("idempotency key not released", { ...errorFields(releaseErr) });
    });
    throw mapped ?? err;
  }
}
