// The worker's entry module may export only handlers and classes: workerd refuses to start a worker whose entry
// exports a plain value (a string or number), which `wrangler dev` and `wrangler deploy` hit but the vitest pool does not.
import { expect, it } from "vitest";
import * as entry from "../../src/index";

it("exports nothing from the entry module but handlers, classes and objects workerd accepts", () => {
  const primitives = Object.entries(entry).filter(([, value]) => typeof value !== "function" && (typeof value !== "object" || value === null));
  expect(primitives.map(([name]) => name)).toEqual([]);
});
