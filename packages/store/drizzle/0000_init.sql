CREATE TABLE `attempts` (
	`trial_id` integer NOT NULL,
	`attempt` integer NOT NULL,
	`run_id` text NOT NULL,
	`worker` text,
	`backend` text,
	`state` text NOT NULL,
	`error` text,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	PRIMARY KEY(`trial_id`, `attempt`),
	FOREIGN KEY (`trial_id`) REFERENCES `trials`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `attempts_run` ON `attempts` (`run_id`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`sweep_id` integer,
	`trial_id` integer,
	`kind` text NOT NULL,
	`message` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_sweep` ON `events` (`sweep_id`,`id`);--> statement-breakpoint
CREATE TABLE `experiments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`file` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `metrics` (
	`trial_id` integer NOT NULL,
	`attempt` integer NOT NULL,
	`epoch` integer NOT NULL,
	`task` text NOT NULL,
	`split` text NOT NULL,
	`name` text NOT NULL,
	`value` real NOT NULL,
	PRIMARY KEY(`trial_id`, `attempt`, `epoch`, `task`, `split`, `name`),
	FOREIGN KEY (`trial_id`) REFERENCES `trials`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `sweeps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`experiment_id` integer NOT NULL,
	`name` text NOT NULL,
	`spec_key` text NOT NULL,
	`spec` text NOT NULL,
	`status` text DEFAULT 'running' NOT NULL,
	`total` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`experiment_id`) REFERENCES `experiments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sweeps_spec_key` ON `sweeps` (`spec_key`);--> statement-breakpoint
CREATE TABLE `trials` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sweep_id` integer NOT NULL,
	`number` integer NOT NULL,
	`config_key` text NOT NULL,
	`seed` integer NOT NULL,
	`method` text NOT NULL,
	`params` text NOT NULL,
	`config` text NOT NULL,
	`state` text DEFAULT 'queued' NOT NULL,
	`attempt` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer DEFAULT 3 NOT NULL,
	`run_id` text,
	`worker` text,
	`backend` text,
	`epoch` integer DEFAULT 0 NOT NULL,
	`pruned_epoch` integer,
	`error` text,
	`final` text,
	`objective` text,
	`queued_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`sweep_id`) REFERENCES `sweeps`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `trials_sweep_number` ON `trials` (`sweep_id`,`number`);--> statement-breakpoint
CREATE INDEX `trials_state` ON `trials` (`sweep_id`,`state`);--> statement-breakpoint
CREATE TABLE `workers` (
	`name` text PRIMARY KEY NOT NULL,
	`host` text,
	`pool` text DEFAULT 'cpu' NOT NULL,
	`backend` text,
	`devices` text,
	`state` text DEFAULT 'idle' NOT NULL,
	`current_trial` integer,
	`trials_done` integer DEFAULT 0 NOT NULL,
	`started_at` integer NOT NULL,
	`last_seen` integer NOT NULL
);
