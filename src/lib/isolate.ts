// Applying a step to many items at once, falling back to one at a time so one bad item holds back no other.

export interface Settled<T> {
  done: T[];
  failed: Array<{ item: T; error: unknown }>;
}

/**
 * Run `step` over all the items in one call (one round trip, one D1 transaction). If that fails, run it over each
 * item alone: only the items that fail by themselves come back as failed. `onBatchFailure` hears why the whole failed.
 */
export async function settleEach<T>(
  items: readonly T[],
  step: (items: readonly T[]) => Promise<void>,
  onBatchFailure?: (error: unknown) => void,
): Promise<Settled<T>> {
  if (items.length === 0) return { done: [], failed: [] };
  try {
    await step(items);
    return { done: [...items], failed: [] };
  } catch (error) {
    if (items.length === 1) return { done: [], failed: [{ item: items[0]!, error }] };
    onBatchFailure?.(error);
  }
  const settled: Settled<T> = { done: [], failed: [] };
  for (const item of items) {
    try {
      await step([item]);
      settled.done.push(item);
    } catch (error) {
      settled.failed.push({ item, error });
    }
  }
  return settled;
}
