// A small per-isolate cache of promises: concurrent callers share one attempt, failures are forgotten.

export class PromiseCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  /** `max` only guards memory: the caches here hold a handful of entries in practice. */
  constructor(private readonly max: number) {}

  get(key: string, make: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = make();
      // Only successes are kept, so a transient failure is tried again next time.
      const mine = entry;
      entry.catch(() => {
        if (this.entries.get(key) === mine) this.entries.delete(key);
      });
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, entry);
    }
    return entry;
  }
}
