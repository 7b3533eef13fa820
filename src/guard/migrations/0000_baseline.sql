-- Baseline: the tables and indexes exactly as AccountGuard created them before migrations were kept (each
-- statement as the code ran it, IF NOT EXISTS included), so an object made then adopts this migration unchanged
-- and a new object gets the same schema. Edited by hand from drizzle-kit's output (WITHOUT ROWID, today's text);
-- the journal and snapshot are as generated.
CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, at INTEGER NOT NULL);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS seen_at ON seen (at);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS minutes (
  minute INTEGER PRIMARY KEY, sent INTEGER NOT NULL DEFAULT 0, bounces_hard INTEGER NOT NULL DEFAULT 0, complaints INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
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
