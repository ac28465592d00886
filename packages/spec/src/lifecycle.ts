/**
 * The life of a trial and of a sweep, as data: the states, which of them are final, and which
 * moves between them are allowed. The store enforces these moves (one SQLite transaction each);
 * everything else reads them from here.
 *
 * ```
 *   queued ──start──► running ──complete──► completed
 *     ▲                 │  ├──fail───────► failed     (no attempts left, or not retryable)
 *     └──requeue/retry──┘  ├──prune──────► pruned
 *                          └──cancel─────► cancelled  (also from queued)
 * ```
 * A running trial is held by one attempt (a run id, one per delivery to a worker). Only the
 * attempt that holds it may move it; a stale attempt may end only itself.
 */

export const TRIAL_STATES = ["queued", "running", "completed", "failed", "pruned", "cancelled"] as const;
export type TrialState = (typeof TRIAL_STATES)[number];
export const TERMINAL_STATES: readonly TrialState[] = ["completed", "failed", "pruned", "cancelled"];

/** Whether a trial in this state is finished for good (nothing moves it again). */
export const isTerminal = (s: TrialState): boolean => TERMINAL_STATES.includes(s);

/** How an attempt (one delivery of a trial to a worker) ended, or `running` while it runs. */
export const ATTEMPT_STATES = [
  "running",
  "completed",
  "failed",
  "pruned",
  "cancelled",
  "lost",
  "interrupted",
] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

export const SWEEP_STATUSES = ["running", "paused", "completed", "cancelled"] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];
