CREATE TABLE `campaign_settings` (
	`campaign_id` text PRIMARY KEY NOT NULL,
	`track_opens` integer DEFAULT true NOT NULL,
	`track_clicks` integer DEFAULT true NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `send_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`campaign_id` text NOT NULL,
	`origin` text NOT NULL,
	`from_address` text NOT NULL,
	`reply_to` text,
	`subject` text NOT NULL,
	`html` text,
	`text` text,
	`tags` text,
	`track_opens` integer NOT NULL,
	`track_clicks` integer NOT NULL,
	`recipients` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `send_jobs_campaign` ON `send_jobs` (`campaign_id`,`created_at`);