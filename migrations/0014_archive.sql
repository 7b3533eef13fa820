CREATE TABLE `archive_cursor` (
	`source` text PRIMARY KEY NOT NULL,
	`after` integer DEFAULT 0 NOT NULL,
	`seq` integer DEFAULT 0 NOT NULL,
	`plan_to` integer,
	`plan_cutoff` integer
);
--> statement-breakpoint
CREATE TABLE `archive_pseudonyms` (
	`contact_hash` text PRIMARY KEY NOT NULL,
	`pseudonym` text NOT NULL,
	`secret` text NOT NULL
);
