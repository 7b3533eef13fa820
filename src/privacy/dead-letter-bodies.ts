// A dead letter's body and one person: what of it is theirs (to export), and what is left once they are erased.

import { addressKey } from "../domain/email";
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
  return addressKey(e.contactId ?? "") === person.key || addressKey(e.email ?? "") === person.key;
}

export type Erasure = { kind: "untouched" } | { kind: "delete" } | { kind: "rewrite"; body: string };

/**
 * Without the person: an event envelope keeps the other people's events (they can still be replayed), anything else
 * that names them goes whole (a send task is one recipient's; an SNS message cannot be cut apart safely).
 */
export function eraseFromBody(body: string, person: Person): Erasure {
  if (!mentions(body, person)) return { kind: "untouched" };
  const read = readEnvelope(parse(body));
  const envelope = read.ok ? read.value : null;
  const rest = envelope ? envelope.events.filter((e) => !isTheirs(e, person)) : [];
  if (!envelope || rest.length === 0) return { kind: "delete" };
  const text = JSON.stringify({ ...envelope, events: rest });
  return mentions(text, person) ? { kind: "delete" } : { kind: "rewrite", body: text };
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
  if (task.ok && addressKey(task.value.to) === person.key) return task.value;
  return { withheld: "this body may name other people too" };
}
