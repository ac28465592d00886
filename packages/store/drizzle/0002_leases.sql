CREATE TABLE `locks` (
	`name` text PRIMARY KEY NOT NULL,
	`token` text NOT NULL,
	`pid` integer NOT NULL,
	`host` text NOT NULL,
	`what` text NOT NULL,
	`acquired_at` integer NOT NULL,
	`seen_at` integer NOT NULL
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_metrics` (
	`trial_id` integer NOT NULL,
	`attempt` integer NOT NULL,
	`epoch` integer NOT NULL,
	`task` text NOT NULL,
	`split` text NOT NULL,
	`name` text NOT NULL,
	`value` real,
	PRIMARY KEY(`trial_id`, `attempt`, `epoch`, `task`, `split`, `name`),
	FOREIGN KEY (`trial_id`) REFERENCES `trials`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_metrics`("trial_id", "attempt", "epoch", "task", "split", "name", "value") SELECT "trial_id", "attempt", "epoch", "task", "split", "name", "value" FROM `metrics`;--> statement-breakpoint
DROP TABLE `metrics`;--> statement-breakpoint
ALTER TABLE `__new_metrics` RENAME TO `metrics`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
ALTER TABLE `sweeps` ADD `uid` text NOT NULL DEFAULT '';--> statement-breakpoint
-- Sweeps planned before this migration get a random UUID (v4) each.
UPDATE `sweeps` SET `uid` = lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)));--> statement-breakpoint
CREATE UNIQUE INDEX `sweeps_uid` ON `sweeps` (`uid`);