-- Baseline: the tables and indexes exactly as CampaignStats created them before migrations were kept (each
-- statement as the code ran it, IF NOT EXISTS included), so an object made then adopts this migration unchanged
-- and a new object gets the same schema. Edited by hand from drizzle-kit's output (WITHOUT ROWID, today's text);
-- the journal and snapshot are as generated.
CREATE TABLE IF NOT EXISTS applied (id TEXT PRIMARY KEY, at INTEGER NOT NULL);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS applied_at ON applied (at);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS hours (hour INTEGER NOT NULL, name TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (hour, name)) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS firsts (name TEXT NOT NULL, contact TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (name, contact)) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS links (
  link_index INTEGER NOT NULL, url TEXT NOT NULL,
  total INTEGER NOT NULL DEFAULT 0, uniq INTEGER NOT NULL DEFAULT 0, machine INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (link_index, url)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS link_contacts (link_index INTEGER NOT NULL, url TEXT NOT NULL, contact TEXT NOT NULL, PRIMARY KEY (link_index, url, contact)) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS about (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS click_window (
  id TEXT PRIMARY KEY,
  message TEXT NOT NULL, source TEXT NOT NULL, link TEXT NOT NULL, at INTEGER NOT NULL,
  contact TEXT, link_index INTEGER, url TEXT,
  verdicts TEXT NOT NULL, reason TEXT NOT NULL,
  due INTEGER, seen INTEGER NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS click_window_near ON click_window (message, source, at);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS click_window_due ON click_window (due) WHERE due IS NOT NULL;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS click_window_seen ON click_window (seen);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS guard (
  k INTEGER PRIMARY KEY CHECK (k = 1),
  scope_id TEXT,
  enabled INTEGER NOT NULL DEFAULT 1,
  min_sent INTEGER, bounce_rate REAL, complaint_rate REAL,
  paused_at INTEGER, pause TEXT,
  since INTEGER,
  base_sent INTEGER NOT NULL DEFAULT 0, base_bounces INTEGER NOT NULL DEFAULT 0, base_complaints INTEGER NOT NULL DEFAULT 0,
  pauses INTEGER NOT NULL DEFAULT 0,
  notice TEXT
);
