// A dead letter's body and one person: what of it is theirs (to export), and what is left once they are erased.

import { identityKey, redact } from "../domain/identity";
import { readEnvelope, type TrackingEvent } from "../domain/events";
import { readSendTask } from "../sending/jobs";
import { mentions, type Person } from "./person";

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function isTheirs(e: TrackingEvent, person: Person): boolean {
  return identityKey(e.contactId ?? "") === person.key || identityKey(e.email ?? "") === person.key;
}

export type Erasure = { kind: "untouched" } | { kind: "delete" } | { kind: "rewrite"; body: string };

/**
 * Without the person: an event envelope keeps the other people's events (they can still be replayed), with any
 * mention of the person inside them (a link that carries their address) redacted; a send task to them goes whole;
 * any other body (an SNS message, held to be read) keeps its text with their address redacted, since it may be
 * someone else's too.
 */
export function eraseFromBody(body: string, person: Person): Erasure {
  if (!mentions(body, person)) return { kind: "untouched" };
  const parsed = parse(body);
  const read = readEnvelope(parsed);
  if (read.ok) {
    const rest = read.value.events.filter((e) => !isTheirs(e, person));
    if (rest.length === 0) return { kind: "delete" };
    const text = JSON.stringify({ ...read.value, events: rest });
    return { kind: "rewrite", body: redact(text, person.key) ?? text };
  }
  const task = readSendTask(parsed);
  if (task.ok && identityKey(task.value.to) === person.key) return { kind: "delete" };
  return { kind: "rewrite", body: redact(body, person.key) ?? body };
}

/**
 * What of the body is the person's: their events of an envelope, their send task; any other body that names them
 * may name others too, so it is withheld (its existence and reason are still exported).
 */
export function theirPart(body: string, person: Person): unknown {
  const parsed = parse(body);
  const envelope = readEnvelope(parsed);
  if (envelope.ok) return { ...envelope.value, events: envelope.value.events.filter((e) => isTheirs(e, person)) };
  const task = readSendTask(parsed);
  if (task.ok && identityKey(task.value.to) === person.key) return task.value;
  return { withheld: "this body may name other people too" };
}
