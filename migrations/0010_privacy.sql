CREATE TABLE `erased_suppressions` (
	`address_hash` text PRIMARY KEY NOT NULL,
	`reason` text NOT NULL,
	`since` integer NOT NULL,
	`expires_at` integer,
	`erased_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `send_jobs` ADD `finished_at` integer;--> statement-breakpoint
CREATE INDEX `deliveries_recipient` ON `deliveries` (`recipient`);