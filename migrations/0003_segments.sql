CREATE TABLE `campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`first_event_at` integer NOT NULL,
	`last_event_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `campaigns_recent` ON `campaigns` (`last_event_at`,`id`);--> statement-breakpoint
CREATE INDEX `events_type_contact_time` ON `events` (`type`,`contact_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `events_campaign_type_contact_time` ON `events` (`campaign_id`,`type`,`contact_id`,`occurred_at`);