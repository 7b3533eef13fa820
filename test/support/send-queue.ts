// Driving the send queue consumer by hand: jobs whose tasks are captured, batches built from them, virtual time.
import { createExecutionContext, createMessageBatch, getQueueResult, type MessageBatchMessage } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { database } from "../../src/db/client";
import { SEND_QUEUE } from "../../src/config/queues";
import { consumeSends } from "../../src/queues/sends";
import { createSendJob, type SendTask } from "../../src/sending/jobs";
import { SEND_EMAIL_PATH } from "../../src/ses/send-email";
import type { Clock } from "../../src/lib/clock";
import { ORIGIN } from "./helpers";

export const MESSAGE = {
  from: "News <news@example.com>",
  subject: "Issue 7",
  html: `<body><a href="https://shop.example/">shop</a></body>`,
  text: "shop: https://shop.example/",
};

/** A queue that keeps what is sent to it, for building consumer batches by hand. */
export function capturingQueue() {
  const batches: { body: SendTask }[][] = [];
  const queue = { sendBatch: async (msgs: { body: SendTask }[]) => void batches.push(msgs), send: async () => {} } as unknown as Queue;
  return { queue, batches };
}

/** A job for `recipients` (claimed in D1 as the route would), and its tasks as they would travel the queue. */
export async function jobTasks(campaignId: string, recipients: string[]): Promise<SendTask[]> {
  const { queue, batches } = capturingQueue();
  await createSendJob(
    database(env.DB),
    queue,
    campaignId,
    ORIGIN,
    { ...MESSAGE, recipients: recipients.map((to) => ({ to })) },
    { opens: true, clicks: true },
  );
  return batches.flat().map((m) => m.body);
}

export function asMessages(tasks: SendTask[], attempts = 1): MessageBatchMessage[] {
  return tasks.map((body, i) => ({ id: `send-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts, body }));
}

/** Virtual time: sleeping advances it at once, so pacing is checked without waiting. */
export function virtualClock(): Clock & { time: number } {
  const clock = { time: 1_000_000, now: () => clock.time, sleep: async (ms: number) => void (clock.time += ms) };
  return clock;
}

/** Run the consumer over exactly these messages (the same ids again: a redelivery). */
export async function consumeMessages(messages: MessageBatchMessage[], clock: Clock, bindings: Env = env) {
  const batch = createMessageBatch(SEND_QUEUE, messages);
  // The harness records which messages were retried but not the delay asked for: watch retry() for that.
  const delays = new Map<string, number | undefined>();
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    vi.spyOn(m, "retry").mockImplementation((options) => {
      delays.set(m.id, options?.delaySeconds);
      retry(options);
    });
  }
  const ctx = createExecutionContext();
  await consumeSends(batch, bindings, clock);
  return { messages, delays, result: await getQueueResult(batch, ctx) };
}

export function consume(tasks: SendTask[], clock: Clock, bindings: Env = env, attempts = 1) {
  return consumeMessages(asMessages(tasks, attempts), clock, bindings);
}

/**
 * SendEmail calls seen (to any endpoint: the emulator or a fault proxy), with the virtual time each was made at;
 * they go on unless `answer` says otherwise.
 */
export function watchSes(clock: { time: number }, answer?: (body: string) => Response | null) {
  const realFetch = globalThis.fetch;
  const calls: { at: number; to: string }[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (!new URL(request.url).pathname.endsWith(SEND_EMAIL_PATH)) return realFetch(request);
    const body = await request.clone().text();
    calls.push({ at: clock.time, to: (JSON.parse(body) as { Destination: { ToAddresses: string[] } }).Destination.ToAddresses[0]! });
    return answer?.(body) ?? realFetch(request);
  });
  return calls;
}
