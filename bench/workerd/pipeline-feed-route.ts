// The bench-only feed route's path and body, shared by the worker entry and the Node side that calls it.

export const FEED_PATH = "/__bench/enqueue";

export interface FeedRequest {
  /** Makes this run's ids its own: a second run must store new rows, not skip repeats. */
  runId: string;
  count: number;
  /**
   * "batch" (default): sendBatch of 100 messages, as the edge's coalesced sends do under load. "single": one
   * queue.send per event, 16 at a time, as every pixel and click did before sends were coalesced.
   */
  mode?: "batch" | "single";
}
