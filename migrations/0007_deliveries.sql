CREATE TABLE `deliveries` (
	`job_id` text NOT NULL,
	`recipient` text NOT NULL,
	`email` text NOT NULL,
	`position` integer NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`ses_message_id` text,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`job_id`, `recipient`)
);
--> statement-breakpoint
CREATE INDEX `deliveries_job_state` ON `deliveries` (`job_id`,`state`,`position`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`key` text PRIMARY KEY NOT NULL,
	`fingerprint` text NOT NULL,
	`state` text NOT NULL,
	`locked_until` integer NOT NULL,
	`job_id` text,
	`status` integer,
	`response` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_expiry` ON `idempotency_keys` (`expires_at`);--> statement-breakpoint
ALTER TABLE `send_jobs` ADD `enqueued` integer DEFAULT 0 NOT NULL;