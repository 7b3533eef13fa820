// One cache of promises, per isolate or per batch: concurrent callers share one attempt; failures are forgotten.

import { BoundedMap } from "./bounded-map";

export interface PromiseCacheOptions {
  /** Keep a rejected promise too, so the cache's users (one batch) do not ask again what just failed. */
  keepFailures?: boolean;
}

export class PromiseCache<T> {
  private readonly entries: BoundedMap<string, Promise<T>>;
  private readonly keepFailures: boolean;

  /** `max` only guards memory: the caches here hold a handful of entries in practice. */
  constructor(max = Number.POSITIVE_INFINITY, options: PromiseCacheOptions = {}) {
    this.entries = new BoundedMap(max);
    this.keepFailures = options.keepFailures ?? false;
  }

  get(key: string, make: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = make();
      const mine = entry;
      // Unless told otherwise only successes are kept, so a transient failure is tried again next time.
      entry.catch(() => {
        if (!this.keepFailures && this.entries.get(key) === mine) this.entries.delete(key);
      });
      this.entries.set(key, entry);
    }
    return entry;
  }
}

/** `load` memoised by key for as long as the function returned lives (a batch, say), failures included. */
export function memo<T>(load: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const cache = new PromiseCache<T>(Number.POSITIVE_INFINITY, { keepFailures: true });
  return (key) => cache.get(key, () => load(key));
}
