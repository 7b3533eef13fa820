// What the storage bench keeps in bench/results/storage.json: written by bench/storage.ts, read by its report section and the capacity model.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { MIX } from "./storage-traffic.ts";

export const STORAGE_RESULTS = path.join(import.meta.dirname, "results", "storage.json");

/** One store's figures per event (or per sent mail), over what the measured part added. */
export interface StoreFigures {
  bytesPerEvent: number;
  /** Rows written as billed (D1 meta, Durable Object cursors). */
  rowsWrittenPerEvent: number;
  rowsReadPerEvent: number;
  /** Rows and index entries stored, counted from outside (dbstat): the inserts alone, updates are not visible. */
  entriesPerEvent: number;
  /** Bytes and entries per event of each table and index that grew. */
  btrees: Record<string, { bytesPerEvent: number; entriesPerEvent: number }>;
  /** The store's files (main + -wal) at the end of the run, over every object of the class. */
  fileBytes: number;
  objects: number;
}

export interface StorageResults {
  date: string;
  mails: number;
  /** Mails and events of the measured (second) half. */
  measuredMails: number;
  measuredEvents: number;
  campaigns: number;
  mix: typeof MIX;
  eventsPerMail: number;
  /** accountCounters: absent from runs before the /metrics counters existed. */
  stores: { d1: StoreFigures; campaignStats: StoreFigures; accountGuard: StoreFigures; accountCounters?: StoreFigures };
  total: { bytesPerEvent: number; rowsWrittenPerEvent: number };
  queues: { eventMessagesPerEvent: number; eventMessageBytesPerEvent: number; webhookMessagesPerEvent: number; consumedPerEvent: number };
  sends: { mails: number; d1: StoreFigures; deliveriesBytesPerMail: number; queueMessagesPerMail: number };
  seconds: number;
}

/** The last run's figures, if there was one. */
export function readStorage(): StorageResults | null {
  return existsSync(STORAGE_RESULTS) ? (JSON.parse(readFileSync(STORAGE_RESULTS, "utf8")) as StorageResults) : null;
}
