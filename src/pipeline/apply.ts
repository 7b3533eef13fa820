// Applying events to storage: the one function every consumer path calls, idempotent on event ids.

import { database, runBatch } from "../db/client";
import { insertEventStatements } from "../db/events";
import type { TrackingEvent } from "../domain/events";

/**
 * Store the events in one D1 batch (one round trip, one transaction). Replaying the same
 * events, in whole or in part, changes nothing.
 */
export async function applyEvents(env: Env, list: readonly TrackingEvent[]): Promise<void> {
  if (list.length === 0) return;
  const db = database(env.DB);
  await runBatch(db, insertEventStatements(db, list));
}
