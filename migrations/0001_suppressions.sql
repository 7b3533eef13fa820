CREATE TABLE `suppression_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email` text NOT NULL,
	`action` text NOT NULL,
	`reason` text,
	`at` integer NOT NULL,
	`event_id` text
);
--> statement-breakpoint
CREATE INDEX `suppression_history_email` ON `suppression_history` (`email`,`at`);--> statement-breakpoint
CREATE UNIQUE INDEX `suppression_history_event_action` ON `suppression_history` (`event_id`,`action`);--> statement-breakpoint
CREATE TABLE `suppression_lifts` (
	`email` text PRIMARY KEY NOT NULL,
	`lifted_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `suppressions` (
	`email` text PRIMARY KEY NOT NULL,
	`reason` text NOT NULL,
	`since` integer NOT NULL,
	`expires_at` integer,
	`event_id` text,
	`ses_synced_at` integer
);
--> statement-breakpoint
CREATE INDEX `suppressions_event` ON `suppressions` (`event_id`);--> statement-breakpoint
CREATE INDEX `suppressions_ses_pending` ON `suppressions` (`ses_synced_at`);