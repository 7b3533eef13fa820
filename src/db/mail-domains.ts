// The recipient domains whose mailbox provider was decided from their MX records: read in bulk, written once.

import { inArray } from "drizzle-orm";
import { chunk, D1_MAX_BOUND_PARAMETERS, rowsPerStatement } from "../lib/chunk";
import { runBatch, type Db } from "./client";
import { mailDomains } from "./schema";

export interface MailDomainRow {
  domain: string;
  provider: string;
  source: string;
  decidedAt: number;
}

/** The stored providers of these domains; a domain never decided is absent. */
export async function storedProviders(db: Db, domains: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunk([...new Set(domains)], D1_MAX_BOUND_PARAMETERS)) {
    const rows = await db
      .select({ domain: mailDomains.domain, provider: mailDomains.provider })
      .from(mailDomains)
      .where(inArray(mailDomains.domain, part));
    for (const r of rows) out.set(r.domain, r.provider);
  }
  return out;
}

/** Stores decisions; a domain decided meanwhile by another batch keeps its first decision. */
export async function storeProviders(db: Db, rows: readonly MailDomainRow[]): Promise<void> {
  await runBatch(
    db,
    chunk(rows, rowsPerStatement(4)).map((part) => db.insert(mailDomains).values(part).onConflictDoNothing()),
  );
}
