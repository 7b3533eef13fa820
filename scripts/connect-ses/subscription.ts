// Step 6: the worker's /sns subscribed to the topic, and confirmed by the worker itself (polled, with a bound).

import type { AwsCaller } from "../aws/client";
import { listSubscriptionsByTopic, PENDING_CONFIRMATION, subscribe, type Subscription } from "../aws/sns";
import type { Report } from "./report";
import { probeWorker } from "./worker-probe";

/** How long to wait for the worker's confirmation; injectable so tests do not wait in real time. */
export interface ConfirmationWait {
  timeoutMs: number;
  intervalMs: number;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const DEFAULT_WAIT: ConfirmationWait = {
  timeoutMs: 60_000,
  intervalMs: 3_000,
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface SubscriptionTarget {
  /** The worker's origin, e.g. https://track.example.com. */
  origin: string;
  topicArn: string;
  /** False in a dry run whose topic does not exist yet: nothing can be read about it. */
  topicExists: boolean;
  /** A dry run that would deploy first (step 5): the worker as deployed now says nothing about the one to subscribe. */
  deployPlanned?: boolean;
}

export async function ensureSubscription(
  aws: AwsCaller,
  report: Report,
  target: SubscriptionTarget,
  fetcher: typeof fetch,
  wait: ConfirmationWait,
): Promise<void> {
  const { origin, topicArn } = target;
  const endpoint = `${origin}/sns`;
  // SNS delivers to https endpoints in production; http is accepted for local testing only.
  const protocol = origin.startsWith("https:") ? "https" : "http";
  const what = `subscription ${endpoint} (${protocol})`;
  const mine = (subs: Subscription[]) => subs.find((s) => s.Protocol === protocol && s.Endpoint === endpoint);

  if (!target.topicExists) {
    await subscribe(aws, topicArn, protocol, endpoint);
    report.outcome("would create", `${what}, then wait for the worker to confirm it`);
    return;
  }
  const current = mine(await listSubscriptionsByTopic(aws, topicArn));
  if (current && current.SubscriptionArn !== PENDING_CONFIRMATION) {
    report.outcome("already as wanted", `${what}, confirmed: ${current.SubscriptionArn}`);
    return;
  }

  if (target.deployPlanned) {
    await subscribe(aws, topicArn, protocol, endpoint);
    report.outcome(current ? "would update" : "would create", `${what}, once the deployed worker takes the topic`);
    return;
  }
  const worker = await probeWorker(fetcher, origin, topicArn);
  if (worker.kind === "unreachable" || worker.kind === "unexpected") {
    report.fail(
      `the worker at ${origin} cannot confirm a subscription now`,
      worker.detail,
      "Deploy it first (npm run deploy; the custom domain's zone must be on Cloudflare), then run this command again.",
    );
    return;
  }
  if (worker.kind === "refuses-topic") {
    report.fail(
      `the worker at ${origin} refuses this topic: its SNS_TOPIC_ARNS does not contain ${topicArn}`,
      "Run this command again with --write: it puts step 5's SNS_TOPIC_ARNS in wrangler.toml and deploys the worker.",
      "(Or put it there yourself, npm run deploy, and run this command again.)",
    );
    return;
  }

  // Subscribing again while pending makes SNS send the endpoint a fresh SubscriptionConfirmation.
  await subscribe(aws, topicArn, protocol, endpoint);
  const outcome = current ? (aws.dryRun ? "would update" : "updated") : aws.dryRun ? "would create" : "created";
  report.outcome(outcome, current ? `${what}: confirmation requested again (it was pending)` : what);
  if (aws.dryRun) return;

  report.info(`waiting up to ${Math.round(wait.timeoutMs / 1000)} s for the worker to confirm it…`);
  const started = wait.now();
  const deadline = started + wait.timeoutMs;
  for (;;) {
    const sub = mine(await listSubscriptionsByTopic(aws, topicArn));
    if (sub && sub.SubscriptionArn !== PENDING_CONFIRMATION) {
      report.info(`confirmed by the worker after ${Math.round((wait.now() - started) / 1000)} s: ${sub.SubscriptionArn}`);
      return;
    }
    const left = deadline - wait.now();
    if (left <= 0) break;
    await wait.sleep(Math.min(wait.intervalMs, left));
  }
  report.fail(
    `the worker did not confirm the subscription within ${Math.round(wait.timeoutMs / 1000)} s (it is still ${PENDING_CONFIRMATION})`,
    `The worker confirms only a topic its deployed SNS_TOPIC_ARNS lists (${topicArn}), and only when it can reach AWS to confirm.`,
    'Its log tells why: npx wrangler tail, then run this command again and look for "sns subscription confirmation".',
    "Running this command again asks SNS to send the confirmation again.",
  );
}
