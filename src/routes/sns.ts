// POST /sns: Amazon SNS HTTPS deliveries of SES events; nothing in a message is trusted before it is verified.

import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import * as v from "valibot";
import { config } from "../config/config";
import { AppError } from "../lib/errors";
import { fetchSnsCertificate } from "../sns/certificate-fetch";
import { certificateFetchBudget } from "../sns/fetch-budget";
import { ingestNotification } from "../sns/ingest";
import { confirmSubscription } from "../sns/subscription";
import { isTopicAllowed } from "../config/sns-topics";
import { SnsVerificationError, verifySnsMessage, type SnsMessage } from "../sns/verify";
import { bodyText, limitBody } from "./body";
import type { AppEnv } from "./app-env";
import { log } from "../lib/log";
import { LogOnce } from "../lib/log-once";

/** SNS messages are at most 256 KB. */
export const SNS_BODY_LIMIT = 256 * 1024;

/** 400 for what no retry fixes in the body, 503 when the certificate could not be had now, 403 for the rest. */
function verificationFailure(err: SnsVerificationError): AppError {
  const details = { reason: err.reason };
  switch (err.reason) {
    case "malformed":
    case "unsupported_type":
      return new AppError("bad_request", err.message, details);
    case "certificate_unavailable":
    case "certificate_budget_spent":
      return new AppError("unavailable", err.message, details);
    default:
      return new AppError("forbidden", `verification failed: ${err.message}`, details);
  }
}

/** Just enough of the body to check the topic before anything else is looked at; verify.ts reads the rest. */
const Addressed = v.looseObject({ TopicArn: v.string() });

function parseBody(text: string): v.InferOutput<typeof Addressed> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError("invalid_json", "the body is not valid JSON");
  }
  if (!v.is(Addressed, body)) throw new AppError("bad_request", "the body is not an SNS message (no TopicArn)", { reason: "malformed" });
  return body;
}

const closedDoor = new LogOnce();

/** Said once per isolate, not per request: a misconfigured deployment must not flood its own logs. */
function logClosedDoorOnce(): void {
  if (!closedDoor.first()) return;
  log.warn("POST /sns refuses every message: SNS_TOPIC_ARNS is empty", {
    fix: 'list your SNS topic ARNs, comma-separated, in wrangler.toml [vars] SNS_TOPIC_ARNS = "arn:aws:sns:<region>:<account>:<topic>" (locally in .dev.vars) and deploy again',
  });
}

/** Closed until opened: nothing is read, verified, confirmed or fetched for a deployment that named no topic. */
const doorOpen = createMiddleware<AppEnv>(async (c, next) => {
  if (config(c.env).sns.topicArns.size === 0) {
    logClosedDoorOnce();
    throw new AppError("forbidden", "no SNS topic is allowed: set SNS_TOPIC_ARNS to the ARNs of your topics", { reason: "topic_not_allowed" });
  }
  if (c.req.header("x-amz-sns-rawdelivery")?.toLowerCase() === "true") {
    throw new AppError("bad_request", "raw message delivery is unsigned and not accepted: turn RawMessageDelivery off on the subscription", {
      reason: "raw_delivery",
    });
  }
  await next();
});

export const sns = new Hono<AppEnv>();

sns.post("/", doorOpen, limitBody(SNS_BODY_LIMIT), async (c) => {
  const { topicArns, signatureVersions, localCertificateUrl, certificateFetchesPerMinute } = config(c.env).sns;
  // SNS posts text/plain; the Content-Type is not looked at.
  const body = parseBody(await bodyText(c));
  const headerTopic = c.req.header("x-amz-sns-topic-arn");
  if (headerTopic !== undefined && headerTopic !== body.TopicArn) {
    throw new AppError("forbidden", "the x-amz-sns-topic-arn header does not match the TopicArn", { reason: "topic_mismatch" });
  }
  if (!isTopicAllowed(topicArns, body.TopicArn)) {
    log.warn("sns topic not allowed", { topicArn: body.TopicArn });
    throw new AppError("forbidden", "the topic is not on the SNS_TOPIC_ARNS allow-list", { reason: "topic_not_allowed" });
  }

  let message: SnsMessage;
  try {
    const fetchCertificate = (url: string) => fetchSnsCertificate(url, () => certificateFetchBudget.take(certificateFetchesPerMinute));
    message = await verifySnsMessage(body, { fetchCertificate, signatureVersions, localCertificateUrl });
  } catch (err) {
    if (!(err instanceof SnsVerificationError)) throw err;
    log.warn("sns verification failed", { reason: err.reason, error: err.message, topicArn: body.TopicArn });
    throw verificationFailure(err);
  }

  const ids = { messageId: message.MessageId, topicArn: message.TopicArn };
  switch (message.Type) {
    case "Notification":
      return c.json(await ingestNotification(c.env, message));
    case "SubscriptionConfirmation": {
      const result = await confirmSubscription(message);
      log.info("sns subscription confirmation", { ...ids, ...result });
      if (result.outcome === "confirmed") return c.json({ status: "confirmed" });
      if (result.outcome === "refused") {
        throw new AppError("forbidden", "the SubscribeURL is not an SNS ConfirmSubscription URL for this topic", {
          reason: "untrusted_subscribe_url",
        });
      }
      if (result.retryable) throw new AppError("unavailable", `confirming the subscription failed (${result.status ?? "network error"})`);
      throw new AppError("upstream_rejected", `SNS refused the confirmation (${result.status})`);
    }
    case "UnsubscribeConfirmation":
      // Acknowledged only: re-subscribing is a decision for a person, not for this endpoint.
      log.info("sns unsubscribe confirmation acknowledged", { ...ids });
      return c.json({ status: "acknowledged" });
  }
});
