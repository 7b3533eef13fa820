CREATE TABLE `dead_letters` (
	`message_id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`body` text NOT NULL,
	`attempts` integer NOT NULL,
	`reason` text,
	`enqueued_at` integer NOT NULL,
	`received_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`campaign_id` text,
	`contact_id` text,
	`email` text,
	`ses_message_id` text,
	`occurred_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`link` text,
	`link_index` integer,
	`user_agent` text,
	`ip` text,
	`metadata` text
);
--> statement-breakpoint
CREATE INDEX `events_campaign_time` ON `events` (`campaign_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `events_contact_time` ON `events` (`contact_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `events_ses_message` ON `events` (`ses_message_id`);