CREATE TABLE `campaigns` (
	`campaign_id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`counts` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `totals` (
	`name` text PRIMARY KEY NOT NULL,
	`n` integer NOT NULL
);
