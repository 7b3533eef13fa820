// Helpers shared by the tests: minting tokens with the test keys, fetching the worker, reading D1.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { vi } from "vitest";
import { envelope, type TrackingEvent } from "../../src/domain/events";
import worker from "../../src/index";
import { keyRing } from "../../src/config/tracking-keys";
import { signToken, type TokenPayload } from "../../src/tracking/token";
import { TEST_API_TOKEN } from "./secrets";

export const ORIGIN = "https://track.example.test";

export function uniqueId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

export async function mint(payload: TokenPayload, keys = env.TRACKING_KEYS): Promise<string> {
  return signToken(payload, await keyRing(keys));
}

export function get(path: string, init?: RequestInit): Promise<Response> {
  // Redirects are answers under test, never followed.
  return exports.default.fetch(new Request(ORIGIN + path, { redirect: "manual", ...init }));
}

/**
 * Like get(), with chosen bindings, answering only once the request's background work (the enqueue in waitUntil)
 * has finished: whatever it put on the queue is there before anything the test sends next.
 */
export async function getSettled(path: string, init?: RequestInit, bindings: Env = env): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(ORIGIN + path, { redirect: "manual", ...init }), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** A queue binding that keeps what is sent to it: a test can see every event a request enqueued, or that none was. */
export function recordingQueue(): { queue: Queue; sent: unknown[] } {
  const sent: unknown[] = [];
  const queue = {
    send: async (body: unknown) => void sent.push(body),
    sendBatch: async (batch: Iterable<{ body: unknown }>) => void sent.push(...[...batch].map((m) => m.body)),
  } as unknown as Queue;
  return { queue, sent };
}

export function api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${TEST_API_TOKEN}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return exports.default.fetch(new Request(ORIGIN + "/api" + path, { ...init, headers, body }));
}

export interface EventRow {
  id: string;
  type: string;
  campaign_id: string | null;
  contact_id: string | null;
  email: string | null;
  ses_message_id: string | null;
  occurred_at: number;
  link: string | null;
  link_index: number | null;
  user_agent: string | null;
  ip: string | null;
  metadata: string | null;
  machine: number | null;
  machine_reason: string | null;
}

export async function eventsFor(campaignId: string): Promise<EventRow[]> {
  const { results } = await env.DB.prepare("SELECT * FROM events WHERE campaign_id = ? ORDER BY occurred_at, id").bind(campaignId).all<EventRow>();
  return results;
}

/** Wait until the campaign has at least `count` stored events (the queue consumer runs on its own). */
export async function waitForEvents(campaignId: string, count: number, timeout = 15_000): Promise<EventRow[]> {
  return vi.waitUntil(
    async () => {
      const rows = await eventsFor(campaignId);
      return rows.length >= count ? rows : false;
    },
    { timeout, interval: 100 },
  );
}

/** A desktop browser's agent: an open or click carrying it, and no machine signal, is counted as a person's. */
export const BROWSER_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

/** Request signals of a HEAD: an open or click carrying them is a machine's (reason head_request). */
export const HEAD_REQUEST = { method: "HEAD", accept: null, asn: null } as const;

let seq = 0;
/** An event as the queue carries it; opens and clicks look like a person's unless the overrides say otherwise. */
export function sampleEvent(overrides: Partial<TrackingEvent> = {}): TrackingEvent {
  seq++;
  return {
    id: `evt-${crypto.randomUUID()}`,
    type: "open",
    campaignId: "campaign-sample",
    contactId: `user${seq}@example.com`,
    email: `user${seq}@example.com`,
    sesMessageId: null,
    occurredAt: 1_700_000_000_000 + seq,
    userAgent: BROWSER_UA,
    ...overrides,
  };
}

/**
 * Proof that the events queue has drained: an event sent now, seen stored. The local queue delivers in order, one
 * batch at a time, so everything enqueued before it has been delivered by then; a "nothing was recorded" check
 * made afterwards cannot pass merely because the recording is late. (It is in a campaign of its own.)
 */
export async function drainEvents(): Promise<void> {
  const sentinel = sampleEvent({ campaignId: "queue-sentinel", id: `sentinel-${crypto.randomUUID()}` });
  await env.EVENTS.send(envelope([sentinel]), { contentType: "json" });
  await vi.waitUntil(async () => (await env.DB.prepare("SELECT 1 AS found FROM events WHERE id = ?").bind(sentinel.id).first()) !== null, {
    timeout: 15_000,
    interval: 50,
  });
}
