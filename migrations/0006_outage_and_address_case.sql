DROP INDEX `suppressions_ses_pending`;--> statement-breakpoint
ALTER TABLE `suppressions` ADD `ses_sync_attempt_at` integer;--> statement-breakpoint
ALTER TABLE `suppressions` ADD `ses_sync_error` text;--> statement-breakpoint
ALTER TABLE `suppressions` ADD `email_key` text GENERATED ALWAYS AS (lower("email")) VIRTUAL;--> statement-breakpoint
CREATE UNIQUE INDEX `suppressions_email_key` ON `suppressions` (`email_key`);--> statement-breakpoint
CREATE INDEX `suppressions_ses_pending` ON `suppressions` (`ses_synced_at`,`ses_sync_attempt_at`,`since`);--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `status` text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `replayed_at` integer;--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `replay_attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `last_error` text;--> statement-breakpoint
CREATE INDEX `dead_letters_received` ON `dead_letters` (`received_at`,`message_id`);--> statement-breakpoint
CREATE INDEX `dead_letters_replay` ON `dead_letters` (`status`,`replay_attempts`,`received_at`);--> statement-breakpoint
ALTER TABLE `suppression_lifts` ADD `email_key` text GENERATED ALWAYS AS (lower("email")) VIRTUAL;--> statement-breakpoint
CREATE UNIQUE INDEX `suppression_lifts_email_key` ON `suppression_lifts` (`email_key`);