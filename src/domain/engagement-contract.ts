// The answers of "who engaged" (a campaign's recipients by engagement) and of the sunset segment, as valibot schemas.

import * as v from "valibot";

const Iso = v.pipe(v.string(), v.description("ISO 8601 date-time, UTC"));
const IsoOrNull = v.nullable(Iso);
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Cursor = v.pipe(v.nullable(v.string()), v.description("the next page's cursor; null on the last page"));

export const Recipient = v.object({
  contactId: v.string(),
  email: v.nullable(v.string()),
  engaged: v.pipe(
    v.picklist(["human", "machine", "none"]),
    v.description("human: a person opened or clicked; machine: only machines did; none: no person did"),
  ),
  machineOnly: v.pipe(v.boolean(), v.description("machines opened or clicked and no person did")),
  firstEngagedAt: v.pipe(IsoOrNull, v.description("the first open or click that classed them: a person's, else a machine's; null if none")),
  lastEngagedAt: IsoOrNull,
});
export type Recipient = v.InferOutput<typeof Recipient>;

export const RecipientPage = v.object({ campaignId: v.string(), items: v.array(Recipient), cursor: Cursor });

export const SunsetContact = v.object({ contactId: v.string(), email: v.string(), sends: Count, lastSentAt: Iso });

export const SunsetPreview = v.object({
  minSends: Count,
  days: Count,
  since: Iso,
  count: v.pipe(Count, v.description("every contact the policy names now (already suppressed ones left out)")),
  items: v.array(SunsetContact),
  cursor: Cursor,
});

export const SunsetResult = v.object({
  minSends: Count,
  days: Count,
  since: Iso,
  applied: v.pipe(v.boolean(), v.description("false: only counted, nothing changed")),
  count: v.pipe(Count, v.description("contacts the policy named before this call")),
  suppressed: v.pipe(Count, v.description("suppressed by this call (reason sunset)")),
  remaining: v.pipe(Count, v.description("still to suppress: repeat the call until 0")),
});
