-- Suppressions now match an address whatever its case (the next migration adds a unique lower-cased key).
-- Case variants of one address already stored become one row, chosen as the rules would have: a permanent
-- reason beats a soft bounce; among permanent ones the first (earliest since) stays; among soft bounces the
-- one that lasts longest; ties go to the smallest spelling. The history keeps every variant's rows.
DELETE FROM `suppressions` WHERE EXISTS (
	SELECT 1 FROM `suppressions` AS `kept`
	WHERE lower(`kept`.`email`) = lower(`suppressions`.`email`) AND `kept`.`email` <> `suppressions`.`email`
		AND (
			(`kept`.`expires_at` IS NULL AND `suppressions`.`expires_at` IS NOT NULL)
			OR (`kept`.`expires_at` IS NULL AND `suppressions`.`expires_at` IS NULL
				AND (`kept`.`since` < `suppressions`.`since`
					OR (`kept`.`since` = `suppressions`.`since` AND `kept`.`email` < `suppressions`.`email`)))
			OR (`kept`.`expires_at` IS NOT NULL AND `suppressions`.`expires_at` IS NOT NULL
				AND (`kept`.`expires_at` > `suppressions`.`expires_at`
					OR (`kept`.`expires_at` = `suppressions`.`expires_at` AND `kept`.`email` < `suppressions`.`email`)))
		)
);
--> statement-breakpoint
-- One lift per address whatever its case: the latest one, which is the one the rules read.
DELETE FROM `suppression_lifts` WHERE EXISTS (
	SELECT 1 FROM `suppression_lifts` AS `kept`
	WHERE lower(`kept`.`email`) = lower(`suppression_lifts`.`email`) AND `kept`.`email` <> `suppression_lifts`.`email`
		AND (`kept`.`lifted_at` > `suppression_lifts`.`lifted_at`
			OR (`kept`.`lifted_at` = `suppression_lifts`.`lifted_at` AND `kept`.`email` < `suppression_lifts`.`email`))
);
