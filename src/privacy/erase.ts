// The right to erasure: one person removed from every store that names them, aggregate counts left as they were.

import { eq } from "drizzle-orm";
import { config } from "../config";
import { database } from "../db/client";
import { ConfigError } from "../errors";
import { erasureStatements, type DeadLetterChange, type ErasedStore } from "../db/person-erasure";
import { campaignsOf, deadLettersMentioning } from "../db/person-records";
import { erasedSuppressions } from "../db/schema";
import { eraseCounterEntries } from "./counters";
import { eraseFromBody } from "./dead-letter-bodies";
import { personOf } from "./person";

const DAY_MS = 86_400_000;

export interface ErasureReport {
  email: string;
  /** Rows removed (or, for send claims and dead letters kept for others, rewritten without the person), per store. */
  erased: Omit<Record<ErasedStore, number>, "suppressionKept" | "webhookAttempts"> & {
    /** Entries of campaign counters' per-contact sets (unique opens, clicks, unsubscribes; per-link clickers). */
    counterEntries: { campaigns: number; uniqueSets: number; linkContacts: number; recentClicks: number };
  };
  /** Whether a hash of the address is kept so that it stays unmailable (it was suppressed). */
  stillSuppressed: boolean;
}

/**
 * Erase the person. The counters go first, while the stored events still say which campaigns hold the person; if
 * any call fails nothing in D1 has changed yet and erasing again finishes the job. D1 then changes in one
 * transaction. Erasing twice finds nothing the second time, and keeps the hash.
 */
export async function erasePerson(env: Env, address: string, now = Date.now()): Promise<ErasureReport> {
  const { privacy } = config(env);
  const person = await personOf(privacy, address);
  if (person.hash === null)
    throw new ConfigError("ERASURE_KEY", "ERASURE_KEY is not set: erasure keeps a keyed hash of a suppressed address and needs that key");
  const hash = person.hash;
  const db = database(env.DB);

  const campaignIds = await campaignsOf(db, person.contactId, now - privacy.retentionDays * DAY_MS);
  const counters = await eraseCounterEntries(env, campaignIds, [person.contactId]);

  const changes: DeadLetterChange[] = [];
  for (const row of await deadLettersMentioning(db, person.key)) {
    const change = eraseFromBody(row.body, person);
    if (change.kind !== "untouched") changes.push({ messageId: row.messageId, ...change });
  }
  const labelled = erasureStatements(env.DB, { ...person, hash }, changes, now);
  const results = await env.DB.batch(labelled.map((l) => l.statement));
  const counts = {
    events: 0,
    deadLettersDeleted: 0,
    deadLettersRewritten: 0,
    suppressions: 0,
    suppressionHistory: 0,
    suppressionLifts: 0,
    deliveries: 0,
    idempotencyKeys: 0,
    webhookDeliveries: 0,
  };
  labelled.forEach(({ store }, i) => {
    if (store !== "suppressionKept" && store !== "webhookAttempts") counts[store] += results[i]!.meta.changes;
  });
  const kept = await db
    .select({ hash: erasedSuppressions.addressHash })
    .from(erasedSuppressions)
    .where(eq(erasedSuppressions.addressHash, hash))
    .get();
  return {
    email: address,
    erased: {
      ...counts,
      counterEntries: {
        campaigns: counters.campaigns,
        uniqueSets: counters.firsts,
        linkContacts: counters.linkContacts,
        recentClicks: counters.recentClicks,
      },
    },
    stillSuppressed: kept !== undefined,
  };
}
