// Packing events into as few queue messages as fit: each an ordinary envelope, each under Queues' 128 KB a message.

import { envelope, type EventEnvelope, type TrackingEvent } from "../domain/events";

/** Queues takes a message of up to 128 KB; the margin covers what the platform adds around the JSON body. */
export const MAX_MESSAGE_BYTES = 112 * 1024;

const utf8 = new TextEncoder();

/** Bytes of a value as JSON, which is how a message is sent (`contentType: "json"`). */
export function jsonBytes(value: unknown): number {
  return utf8.encode(JSON.stringify(value)).length;
}

/** `{"v":1,"events":[]}`: what an envelope costs around its events; each event after the first adds a comma. */
const ENVELOPE_BYTES = jsonBytes(envelope([]));

/** The JSON size of an envelope of events whose own JSON sizes are `sizes`: exact, without serialising again. */
export function envelopeBytes(sizes: readonly number[]): number {
  return ENVELOPE_BYTES + sizes.reduce((a, b) => a + b, 0) + Math.max(0, sizes.length - 1);
}

/**
 * The events, in order, cut into envelopes of at most `maxBytes` each as JSON: a new envelope starts only when the
 * next event would not fit, so the count is the fewest an in-order cut allows. `sizes[i]` is event i's JSON size
 * (jsonBytes), measured once when it was queued. An event too big for any envelope travels alone (the queue refuses it,
 * as it refused such a message before packing; edge events are a few hundred bytes).
 */
export function packEvents(events: readonly TrackingEvent[], sizes: readonly number[], maxBytes = MAX_MESSAGE_BYTES): EventEnvelope[] {
  const out: EventEnvelope[] = [];
  let current: TrackingEvent[] = [];
  let bytes = ENVELOPE_BYTES;
  events.forEach((event, i) => {
    const added = sizes[i]! + (current.length > 0 ? 1 : 0);
    if (current.length > 0 && bytes + added > maxBytes) {
      out.push(envelope(current));
      current = [];
      bytes = ENVELOPE_BYTES + sizes[i]!;
    } else bytes += added;
    current.push(event);
  });
  if (current.length > 0) out.push(envelope(current));
  return out;
}
