// Stands in for zod in the deployed bundle (wrangler.toml [alias]): hono-openapi's converters import zod lazily for
// zod schemas, and this API's schemas are all valibot, so that path never runs and zod's 400 KB never ship.

export function toJSONSchema(): never {
  throw new Error("zod is not bundled: the API's schemas are valibot (@valibot/to-json-schema converts them)");
}
