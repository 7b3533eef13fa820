CREATE TABLE `network_lists` (
	`version` text NOT NULL,
	`part` integer NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`version`, `part`)
);
--> statement-breakpoint
CREATE TABLE `network_lists_current` (
	`name` text PRIMARY KEY NOT NULL,
	`version` text NOT NULL,
	`refreshed_at` integer NOT NULL,
	`summary` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `campaign_settings` ADD `track_honeypot` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `events` ADD `machine` integer;--> statement-breakpoint
ALTER TABLE `events` ADD `machine_reason` text;--> statement-breakpoint
CREATE INDEX `events_campaign_machine_time` ON `events` (`campaign_id`,`machine`,`occurred_at`,`id`) WHERE machine IS NOT NULL;