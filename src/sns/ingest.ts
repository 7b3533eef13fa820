// A verified SNS Notification into domain events on the queue: at most once per SNS MessageId.

import { AppError } from "../errors";
import { database } from "../db/client";
import { recordSnsMessage, snsMessageSeen } from "../db/sns-messages";
import { enqueueEvents } from "../pipeline/enqueue";
import { parseSesMessage } from "../ses/events";
import type { SnsNotification } from "./verify";

export type IngestOutcome =
  | { status: "enqueued"; sesType: string; events: number }
  | { status: "duplicate" }
  | { status: "ignored"; sesType: string };

function log(level: "log" | "warn" | "error", msg: string, fields: Record<string, unknown>): void {
  console[level](JSON.stringify({ msg, ...fields }));
}

/**
 * Failure order matters: the message is marked seen only after its events are on the queue, so a failed
 * enqueue (503, SNS retries) is never mistaken for a handled message. A failed lookup or mark only costs a
 * re-enqueue, which storage absorbs because event ids are derived from the SNS MessageId.
 */
export async function ingestNotification(env: Env, message: SnsNotification): Promise<IngestOutcome> {
  const parsed = await parseSesMessage(message.Message, { messageId: message.MessageId, timestamp: message.Timestamp });
  const ids = { messageId: message.MessageId, topicArn: message.TopicArn };
  if (parsed.kind === "invalid") {
    log("warn", "sns notification is not a valid SES event", { ...ids, reason: parsed.reason });
    throw new AppError("bad_request", `not a valid SES event: ${parsed.reason}`, { reason: "invalid_ses_event" });
  }
  if (parsed.kind === "unknown_type") {
    log("warn", "unknown SES event type acknowledged", { ...ids, sesType: parsed.sesType });
    return { status: "ignored", sesType: parsed.sesType };
  }

  const db = database(env.DB);
  try {
    if (await snsMessageSeen(db, message.MessageId)) return { status: "duplicate" };
  } catch (err) {
    log("error", "sns dedupe lookup failed; enqueueing anyway", { ...ids, error: String(err) });
  }
  try {
    await enqueueEvents(env.EVENTS, parsed.events);
  } catch (err) {
    log("error", "sns events not enqueued", { ...ids, error: String(err) });
    throw new AppError("unavailable", "the event queue is unavailable; try again");
  }
  try {
    await recordSnsMessage(db, message.MessageId, message.TopicArn);
  } catch (err) {
    log("error", "sns message not recorded as seen", { ...ids, error: String(err) });
  }
  return { status: "enqueued", sesType: parsed.sesType, events: parsed.events.length };
}
