CREATE TABLE `erasures` (
	`address_hash` text PRIMARY KEY NOT NULL,
	`erased_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `idempotency_keys` ADD `digested` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `suppression_history` ADD `email_key` text GENERATED ALWAYS AS (lower("email")) VIRTUAL;--> statement-breakpoint
CREATE INDEX `suppression_history_email_key` ON `suppression_history` (`email_key`);--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD `contact_key` text;--> statement-breakpoint
CREATE INDEX `webhook_deliveries_contact` ON `webhook_deliveries` (`contact_key`);--> statement-breakpoint
-- Data (hand-written, issue 23): every store keys a person by the identity key, the whole address lower-cased
-- (src/domain/identity.ts). Events kept the local part's case in contact_id; they take the key. No event is merged
-- or dropped: each keeps its own id, so counts of events are unchanged; the campaigns' unique sets, which the
-- CampaignStats objects hold, are merged by their own schema migration (src/stats/identity-migration.ts).
UPDATE `events` SET `contact_id` = lower(`contact_id`) WHERE `contact_id` IS NOT NULL AND `contact_id` <> lower(`contact_id`);--> statement-breakpoint
-- A delivery's person: its event's key, or (the event already gone) the address its payload carries.
UPDATE `webhook_deliveries` SET `contact_key` = coalesce(
  (SELECT `contact_id` FROM `events` WHERE `events`.`id` = `webhook_deliveries`.`event_id`),
  lower(json_extract(`payload`, '$.data.email'))
) WHERE `event_type` LIKE 'email.%' AND json_valid(`payload`);
