CREATE TABLE `mail_domains` (
	`domain` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`source` text NOT NULL,
	`decided_at` integer NOT NULL
);
