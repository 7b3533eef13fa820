CREATE TABLE `sns_messages` (
	`message_id` text PRIMARY KEY NOT NULL,
	`topic_arn` text NOT NULL,
	`received_at` integer NOT NULL
);
