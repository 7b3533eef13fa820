// The right to erasure: one person removed from every store that names them, aggregate counts left as they were.

import { eq } from "drizzle-orm";
import { config } from "../config/config";
import { database, runBatch } from "../db/client";
import { ConfigError } from "../lib/errors";
import { erasureStatements, tombstoneStatement, type DeadLetterChange, type ErasedStore } from "../db/person-erasure";
import { campaignsOf, deadLettersMentioning, othersEventLinksNaming, othersWebhookPayloadsNaming } from "../db/person-records";
import { erasedSuppressions } from "../db/schema";
import { redact } from "../domain/identity";
import { accountGuard } from "../objects/account-guard";
import { eraseCounterEntries } from "./counters";
import { eraseFromBody } from "./dead-letter-bodies";
import { personEventIds } from "./event-ids";
import { digestLegacyKeys } from "./idempotency-digest";
import { personOf } from "./person";

const DAY_MS = 86_400_000;

type Uncounted = "suppressionKept" | "webhookAttempts" | "tombstone" | "archiveCursor";
type Counted = Exclude<ErasedStore, Uncounted>;
const UNCOUNTED: ReadonlySet<ErasedStore> = new Set<Uncounted>(["suppressionKept", "webhookAttempts", "tombstone", "archiveCursor"]);

export interface ErasureReport {
  email: string;
  /** The identity key the stores were searched by (src/domain/identity.ts): every spelling of the address is this. */
  key: string;
  /**
   * Rows removed per store; for send claims, rows kept anonymised; for dead letters kept for others, rewritten
   * without the person; `*Redacted`: other people's rows whose text named the person, now with it redacted.
   * `idempotencyKeys` is always 0: keys are stored as keyed digests with answers that name nobody, so none is erased.
   */
  erased: Record<Counted, number> & {
    idempotencyKeys: number;
    /** Entries of campaign counters' per-contact sets (unique opens, clicks, unsubscribes; per-link clickers). */
    counterEntries: {
      campaigns: number;
      uniqueSets: number;
      linkContacts: number;
      recentClicks: number;
      linksRedacted: number;
      /** The person's event ids the campaigns had applied (SES and unsubscribe ids are hashes of the address). */
      appliedIds: number;
    };
    /** The person's event ids the account guard held (its last 24 hours of sends, hard bounces and complaints). */
    accountGuardIds: number;
  };
  /** Whether a hash of the address is kept so that it stays unmailable (it was suppressed). */
  stillSuppressed: boolean;
  /** The tombstone: events of the person still on a queue, from before this time, are dropped when they arrive. */
  erasedAt: string;
}

/** Other people's rows that mention the person, each with its redacted text (exact token match, never substring). */
async function redactionsFor(db: ReturnType<typeof database>, person: Awaited<ReturnType<typeof personOf>>) {
  const deadLetters: DeadLetterChange[] = [];
  for (const row of await deadLettersMentioning(db, person.key)) {
    const change = eraseFromBody(row.body, person);
    if (change.kind !== "untouched") deadLetters.push({ messageId: row.messageId, ...change });
  }
  const links = await othersEventLinksNaming(db, person.key);
  const payloads = await othersWebhookPayloadsNaming(db, person.key);
  return {
    deadLetters,
    eventLinks: links.map((l) => ({ id: l.id, link: redact(l.link, person.key)!, campaignId: l.campaignId })),
    webhookPayloads: payloads.map((p) => ({ id: p.id, payload: redact(p.payload, person.key)! })),
  };
}

/**
 * Erase the person. Idempotency rows from before digests are digested first (then none names anyone). The
 * tombstone is written next, so that nothing of theirs still on a queue counts again once the counters forget their
 * event ids. The counters and the account guard go then, while the stored events still say which campaigns and ids
 * hold the person; if any call fails only the tombstone has changed in D1 and erasing again finishes the job. D1
 * then changes in one transaction. Erasing twice finds nothing the second time, and keeps the hash.
 */
export async function erasePerson(env: Env, address: string, now = Date.now()): Promise<ErasureReport> {
  const { privacy } = config(env);
  const person = await personOf(privacy, address);
  if (person.hash === null)
    throw new ConfigError("ERASURE_KEY", "ERASURE_KEY is not set: erasure keeps a keyed hash of a suppressed address and needs that key");
  const hash = person.hash;
  const db = database(env.DB);
  await digestLegacyKeys(db, privacy, Number.MAX_SAFE_INTEGER);

  const redactions = await redactionsFor(db, person);
  const linkCampaigns = redactions.eventLinks.flatMap((l) => (l.campaignId === null ? [] : [l.campaignId]));
  const campaignIds = [...new Set([...(await campaignsOf(db, person.key, now - privacy.retentionDays * DAY_MS)), ...linkCampaigns])].sort();
  const ids = await personEventIds(db, person, campaignIds);
  await tombstoneStatement(db, hash, now);
  const counters = await eraseCounterEntries(env, campaignIds, [person.key], person.key, ids.byCampaign);
  const accountGuardIds = ids.guard.length === 0 ? 0 : await accountGuard(env.ACCOUNT_GUARD).forgetEvents(ids.guard);

  const labelled = erasureStatements(db, { ...person, hash }, redactions, now);
  const results = await runBatch(
    db,
    labelled.map((l) => l.statement),
  );
  const counts: Record<Counted, number> = {
    events: 0,
    eventLinksRedacted: 0,
    deadLettersDeleted: 0,
    deadLettersRewritten: 0,
    suppressions: 0,
    suppressionHistory: 0,
    suppressionLifts: 0,
    deliveries: 0,
    webhookDeliveries: 0,
    webhookDeliveriesRedacted: 0,
    archivePseudonyms: 0,
  };
  labelled.forEach(({ store }, i) => {
    if (!UNCOUNTED.has(store)) counts[store as Counted] += results[i]!.meta.changes;
  });
  const kept = await db
    .select({ hash: erasedSuppressions.addressHash })
    .from(erasedSuppressions)
    .where(eq(erasedSuppressions.addressHash, hash))
    .get();
  return {
    email: address,
    key: person.key,
    erased: {
      ...counts,
      idempotencyKeys: 0,
      counterEntries: {
        campaigns: counters.campaigns,
        uniqueSets: counters.firsts,
        linkContacts: counters.linkContacts,
        recentClicks: counters.recentClicks,
        linksRedacted: counters.linksRedacted,
        appliedIds: counters.appliedIds,
      },
      accountGuardIds,
    },
    stillSuppressed: kept !== undefined,
    erasedAt: new Date(now).toISOString(),
  };
}
