// A campaign's audience breakdown (issue 26 §2): human opens by mail client, human clicks by browser, device, OS and
// country for both, events and people, as rows of CampaignStats' `counters` table named `aud:<dimension>:<value>:<measure>`.
//
// Folded per batch with the other counters (one upsert per counter name a batch touches, in the transaction that
// applies the batch's ids), so the breakdown is exactly-once with them. A person counts for the client (browser, device, OS,
// country) of their first human open (click) that is counted: the moment the object's unique set (`firsts`) takes them.
//
// Not taken back: a click the window relabels later (click-settlement.ts) keeps the breakdown of its first verdict (a
// person's click found a burst stays counted under its browser; a machine click found a person's is not added), because
// the window keeps nothing of the agent. Erasing a contact leaves the breakdown as it leaves the counters. A rebuild
// from D1 recounts clients, browsers, devices and OS from the stored agents, but no countries (D1 keeps none).
import type { CountedEvent, Effect } from "./counting";

export const AUDIENCE_PREFIX = "aud:";
export type AudienceDimension = "client" | "browser" | "device" | "os" | "country";
export type AudienceMeasure = "opens" | "openers" | "clicks" | "clickers";

/** A value as a counter name's part: no separator inside, bounded. */
function part(value: string): string {
  return value.replaceAll(":", " ").slice(0, 64);
}

export function audienceCounter(dimension: AudienceDimension, value: string, measure: AudienceMeasure): string {
  return `${AUDIENCE_PREFIX}${dimension}:${part(value)}:${measure}`;
}

/**
 * The breakdown's counter names a counted event moves by one; `newPerson` when counting it put its contact in the
 * unique set of human opens (clicks). The caller adds them in its batch's fold (campaign-stats/counters.ts).
 */
export function audienceCounters(e: CountedEvent, effect: Effect, newPerson: boolean): string[] {
  const a = e.audience;
  if (!a || (effect.counter !== "opens" && effect.counter !== "clicks")) return [];
  const open = effect.counter === "opens";
  const measures: AudienceMeasure[] = open ? ["opens"] : ["clicks"];
  if (newPerson) measures.push(open ? "openers" : "clickers");
  const dims: [AudienceDimension, string | null][] = [
    [open ? "client" : "browser", a.name],
    ["device", a.device],
    ["os", a.os],
    ["country", a.country],
  ];
  return dims.flatMap(([dimension, value]) => (value === null ? [] : measures.map((m) => audienceCounter(dimension, value, m))));
}

export interface AudienceItem {
  name: string;
  opens: number;
  openers: number;
  clicks: number;
  clickers: number;
}

export interface CountryItem extends Omit<AudienceItem, "name"> {
  country: string;
}

export interface Audience {
  clients: AudienceItem[];
  devices: AudienceItem[];
  os: AudienceItem[];
  countries: CountryItem[];
}

const MEASURES: ReadonlySet<string> = new Set(["opens", "openers", "clicks", "clickers"]);

/** The breakdown from its counter rows; mail clients and browsers are one list (`clients`), most opens and clicks first. */
export function readAudience(sql: SqlStorage): Audience {
  const by = {
    client: new Map<string, AudienceItem>(),
    device: new Map<string, AudienceItem>(),
    os: new Map<string, AudienceItem>(),
    country: new Map<string, AudienceItem>(),
  };
  for (const row of sql.exec<{ name: string; n: number }>("SELECT name, n FROM counters WHERE name LIKE 'aud:%'")) {
    const rest = row.name.slice(AUDIENCE_PREFIX.length);
    const dimension = rest.slice(0, rest.indexOf(":"));
    const measure = rest.slice(rest.lastIndexOf(":") + 1);
    const value = rest.slice(dimension.length + 1, rest.lastIndexOf(":"));
    const map = dimension === "browser" ? by.client : by[dimension as keyof typeof by];
    if (!map || !MEASURES.has(measure) || row.n === 0) continue;
    let item = map.get(value);
    if (!item) map.set(value, (item = { name: value, opens: 0, openers: 0, clicks: 0, clickers: 0 }));
    item[measure as AudienceMeasure] += row.n;
  }
  const sorted = (m: Map<string, AudienceItem>) =>
    [...m.values()].sort((a, b) => b.opens + b.clicks - (a.opens + a.clicks) || a.name.localeCompare(b.name));
  return {
    clients: sorted(by.client),
    devices: sorted(by.device),
    os: sorted(by.os),
    countries: sorted(by.country).map(({ name, ...rest }) => ({ country: name, ...rest })),
  };
}
