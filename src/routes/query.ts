// Query-string schemas shared by the reporting routes: instants (page sizes are in pagination.ts).

import * as v from "valibot";

/** Epoch milliseconds, or an ISO 8601 date or date-time (UTC unless it names an offset). */
export const Instant = v.pipe(
  v.string(),
  v.regex(/^(\d{1,15}|\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)$/, "must be epoch milliseconds or an ISO 8601 date"),
  v.transform((s) => (/^\d+$/.test(s) ? Number(s) : Date.parse(/T| /.test(s) && !/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s + "Z" : s))),
  v.check((n) => Number.isFinite(n), "must be a real date"),
);
