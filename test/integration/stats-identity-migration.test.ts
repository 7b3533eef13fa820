// The CampaignStats object's migration to the identity key (src/stats/identity-migration.ts): an object written by
// the previous version, with one person counted under two spellings, counts them once after, and nothing else moves.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrateStats, STATS_SCHEMA_VERSION } from "../../src/stats/identity-migration";
import { campaignStats } from "../../src/objects/stats-client";
import { HOUR_MS } from "../../src/stats/counting";
import { uniqueId } from "../support/helpers";

describe("CampaignStats identity migration", () => {
  it("merges a person's spellings in the unique sets: sums for counts, unions for unique sets, earliest time kept", async () => {
    const stub = campaignStats(env.CAMPAIGN_STATS, uniqueId("migrate"));
    const h = 480_000; // an hour number
    await runInDurableObject(stub, async (_instance, state) => {
      const sql = state.storage.sql;
      // As the previous version left it: no schema version; Ann counted under two spellings, Bob once.
      sql.exec("DELETE FROM about WHERE key = 'schemaVersion'");
      for (const t of ["counters", "hours", "firsts", "links", "link_contacts", "click_window"]) sql.exec(`DELETE FROM ${t}`);
      sql.exec("INSERT INTO counters (name, n) VALUES ('opens', 5), ('opensUnique', 3), ('clicks', 3), ('clicksUnique', 2)");
      sql.exec(
        `INSERT INTO hours (hour, name, n) VALUES (?1, 'opens', 2), (?1, 'opensUnique', 2), (?2, 'opens', 3), (?2, 'opensUnique', 1),
         (?1, 'clicks', 3), (?1, 'clicksUnique', 2)`,
        h,
        h + 1,
      );
      sql.exec(
        "INSERT INTO firsts (name, contact, at) VALUES ('opensUnique', 'Ann@example.com', ?1), ('opensUnique', 'ann@example.com', ?2), ('opensUnique', 'bob@example.com', ?3)",
        (h + 1) * HOUR_MS + 5,
        h * HOUR_MS + 10,
        h * HOUR_MS + 20,
      );
      sql.exec(
        "INSERT INTO firsts (name, contact, at) VALUES ('clicksUnique', 'Ann@example.com', ?1), ('clicksUnique', 'ANN@example.com', ?2)",
        h * HOUR_MS + 1,
        h * HOUR_MS + 2,
      );
      sql.exec("INSERT INTO links (link_index, url, total, uniq, machine) VALUES (0, 'https://shop.example/', 3, 2, 0)");
      sql.exec(
        "INSERT INTO link_contacts (link_index, url, contact) VALUES (0, 'https://shop.example/', 'Ann@example.com'), (0, 'https://shop.example/', 'ANN@example.com')",
      );
      sql.exec(
        `INSERT INTO click_window (id, message, source, link, at, contact, link_index, url, verdicts, reason, due, seen)
         VALUES ('c1', 'Ann@example.com' || char(10) || 'msg-1', '203.0.113.0/24', '0', 1, 'Ann@example.com', 0, 'https://shop.example/', 'a b c d', 'human', NULL, 1)`,
      );

      expect(migrateStats(state.storage)).toBe(3);
      // Twice is once.
      expect(migrateStats(state.storage)).toBe(0);
      expect(sql.exec("SELECT value FROM about WHERE key = 'schemaVersion'").one().value).toBe(String(STATS_SCHEMA_VERSION));
      expect(
        Object.fromEntries(
          sql
            .exec<{ name: string; n: number }>("SELECT name, n FROM counters")
            .toArray()
            .map((r) => [r.name, r.n]),
        ),
      ).toEqual({
        opens: 5,
        opensUnique: 2,
        clicks: 3,
        clicksUnique: 1,
      });
      // Ann's earliest open was in hour h: the later hour loses her; events' hourly sums do not move.
      expect(sql.exec("SELECT hour, name, n FROM hours ORDER BY name, hour").toArray()).toEqual([
        { hour: h, name: "clicks", n: 3 },
        { hour: h, name: "clicksUnique", n: 1 },
        { hour: h, name: "opens", n: 2 },
        { hour: h + 1, name: "opens", n: 3 },
        { hour: h, name: "opensUnique", n: 2 },
      ]);
      expect(sql.exec("SELECT name, contact, at FROM firsts ORDER BY name, contact").toArray()).toEqual([
        { name: "clicksUnique", contact: "ann@example.com", at: h * HOUR_MS + 1 },
        { name: "opensUnique", contact: "ann@example.com", at: h * HOUR_MS + 10 },
        { name: "opensUnique", contact: "bob@example.com", at: h * HOUR_MS + 20 },
      ]);
      expect(sql.exec("SELECT total, uniq, machine FROM links").one()).toEqual({ total: 3, uniq: 1, machine: 0 });
      expect(sql.exec("SELECT contact FROM link_contacts").toArray()).toEqual([{ contact: "ann@example.com" }]);
      expect(sql.exec("SELECT contact, message FROM click_window").one()).toEqual({ contact: "ann@example.com", message: "ann@example.com\nmsg-1" });
    });
  });
});
