// Saying a thing once per isolate, not once per request: a misconfigured deployment must not flood its own logs.

import { BoundedMap } from "./bounded-map";

export class LogOnce {
  // Bounded: the keys are problems of a configuration, a handful, but they come from text that could vary.
  private readonly said = new BoundedMap<string, true>(256);

  /** True the first time `key` is asked about in this isolate, false ever after. */
  first(key = ""): boolean {
    if (this.said.has(key)) return false;
    this.said.set(key, true);
    return true;
  }
}
