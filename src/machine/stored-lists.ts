// The stored network lists installed in this isolate: read once, looked at again at most every ten minutes.
//
// The cron refresh (./refresh.ts) keeps the last good copy in D1. Each isolate that classifies installs it on first
// use and then only asks which copy is in force (one small row) every CHECK_EVERY_MS, reading the copy again only
// when it changed. Anything that goes wrong leaves the lists in force as they are: the bundled ones until a stored
// copy was installed, then the last one installed.
import type { Db } from "../db/client";
import { storedListsBytes, storedListsHead } from "../db/network-lists";
import { errorFields, log } from "../lib/log";
import { bundledNetworkLists, decodeNetworkLists, setNetworkLists } from "./networks";

export const CHECK_EVERY_MS = 10 * 60_000;

let installedVersion: string | null = null;
let checkedAt = Number.NEGATIVE_INFINITY;
let loading: Promise<void> | null = null;

async function load(db: Db, now: number): Promise<void> {
  try {
    const head = await storedListsHead(db);
    if (!head || head.version === installedVersion) return;
    const bytes = await storedListsBytes(db, head.version);
    if (!bytes) throw new Error(`stored network lists ${head.version} have missing or damaged parts`);
    setNetworkLists(decodeNetworkLists(bytes));
    installedVersion = head.version;
  } catch (err) {
    log.warn("stored network lists not installed; the lists in force stay", { ...errorFields(err) });
  } finally {
    // A failure is tried again after the same interval, not on every batch.
    checkedAt = now;
  }
}

/** Installs the stored copy if it changed since the last look, at most once per CHECK_EVERY_MS. Never throws. */
export function installStoredNetworkLists(db: Db, now = Date.now()): Promise<void> {
  if (now - checkedAt < CHECK_EVERY_MS) return Promise.resolve();
  loading ??= load(db, now).finally(() => {
    loading = null;
  });
  return loading;
}

/** The version installed from storage (null: the bundled lists). */
export function installedNetworkListsVersion(): string | null {
  return installedVersion;
}

/** Back to the bundled lists, and look at storage again on the next call (tests; nothing in the worker calls it). */
export function resetInstalledNetworkLists(): void {
  installedVersion = null;
  checkedAt = Number.NEGATIVE_INFINITY;
  setNetworkLists(bundledNetworkLists());
}
