/**
 * The life of a trial and of a sweep, as data and one pure transition function. The store applies
 * `decide`'s answer in one SQLite transaction (a compare-and-set on the trial's state, holder and
 * attempt); the coordinator sends the orders it returns. Nothing else moves a trial.
 *
 * ```
 *   queued ──start──► running ──complete──► completed
 *     ▲                 │  ├──fail───────► failed     (no attempts left, or not retryable)
 *     └──requeue/retry──┘  ├──prune──────► pruned
 *                          └──cancel─────► cancelled  (also from queued)
 * ```
 * A running trial is held by one attempt (a run id, one per delivery to a worker): its lease, the
 * way a BullMQ job is held by its lock token. Only the holder moves the trial. A former attempt
 * (its lease lapsed and the bus delivered the trial again) updates only its own attempt row and is
 * told to stop; its result is adopted whole (every epoch stored) or not at all. An event naming a
 * run that is no attempt of the trial is rejected (a dead letter).
 */

export const TRIAL_STATES = ["queued", "running", "completed", "failed", "pruned", "cancelled"] as const;
export type TrialState = (typeof TRIAL_STATES)[number];
export const TERMINAL_STATES: readonly TrialState[] = ["completed", "failed", "pruned", "cancelled"];

/** Whether a trial in this state is finished for good (nothing moves it again). */
export const isTerminal = (s: TrialState): boolean => TERMINAL_STATES.includes(s);

/**
 * How an attempt (one delivery of a trial to a worker) ended, or `running` while it runs. `lost`:
 * its lease lapsed and nothing was heard from it since; `refused`: the trial was finished or out of
 * attempts when it started, so it was told to stop at once (it never held the trial).
 */
export const ATTEMPT_STATES = [
  "running",
  "completed",
  "failed",
  "pruned",
  "cancelled",
  "lost",
  "interrupted",
  "refused",
] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

/** Attempt states that use up the trial's budget (`sweep.maxAttempts`). */
export const COUNTED_ATTEMPT_STATES: readonly AttemptState[] = ["lost", "failed"];

export const SWEEP_STATUSES = ["running", "paused", "completed", "cancelled"] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

/** What the transition function needs of a trial row. */
export interface TrialFacts {
  state: TrialState;
  /** The holder's run id while running; the run that finished it, or null, otherwise. */
  runId: string | null;
  /** The holder's (or the finishing run's) attempt number; 0 before the first start. */
  attempt: number;
  /** The retry budget: lost or failed attempts allowed (`sweep.maxAttempts`). */
  maxAttempts: number;
}

/** What the transition function needs of an attempt row. */
export interface AttemptFacts {
  attempt: number;
  runId: string;
  state: AttemptState;
  /** Distinct epochs stored for this attempt (the store fills it in for a `completed` event only). */
  epochs?: number;
}

/** What happened to a trial: an event of one of its runs, or a command of the coordinator or a person. */
export type LifecycleEvent =
  | { kind: "started"; runId: string }
  | { kind: "epoch"; runId: string }
  | {
      kind: "completed";
      runId: string;
      /** Epochs the run trained (and reported). */
      epochs: number;
      /** Set when the objective came out NaN or ±Infinity: the trial fails with this reason. */
      objectiveError?: string;
      /** Decide now even if epochs are missing (the event waited long enough for them). */
      lastChance?: boolean;
    }
  | { kind: "failed"; runId: string; error: string; retryable: boolean }
  | { kind: "stopped"; runId: string; status: "pruned" | "cancelled" | "interrupted" }
  /** An event of this run could not be decoded or stored. */
  | { kind: "rejected"; runId: string; error: string }
  /** A person cancels the trial. */
  | { kind: "cancel"; reason: string }
  /** The bus gave up delivering the trial (its deliveries ran past the budget). */
  | { kind: "give-up"; reason: string }
  /** The process that ran the holder stopped (the embedded runner restarts): no attempt used up. */
  | { kind: "requeue"; reason: string }
  /** The holder's worker is gone and the bus holds the trial no more: it counts as lost. */
  | { kind: "lost"; reason: string }
  /**
   * A person queues a failed trial again (`mtl run FILE --retry-failed`) with `freshAttempts`
   * attempts more than it has used.
   */
  | { kind: "retry"; reason: string; freshAttempts: number };

export type RunRole = "holder" | "former" | "unknown";

/** A run the coordinator must tell to stop. `release`: it does not hold the trial any more, so it
 * must stop without settling its delivery (which now belongs to another worker); `cancel`: the
 * trial is over, so its delivery is acknowledged. */
export interface RunOrder {
  runId: string;
  kind: "cancel" | "release";
}

export type Verdict = "apply" | "ignore" | "defer" | "reject";

/** A trial's next state: who holds it and what ends with the change. */
export type TrialChange =
  /** The event's run holds it now, as attempt `attempt`. */
  | { state: "running"; attempt: number }
  /** Finished by attempt `attempt` (the holder, or a former attempt adopted whole). */
  | { state: "completed"; attempt: number }
  /** Back in the queue; a retried failure also gets a new budget (and its error cleared). */
  | { state: "queued"; error?: string | null; maxAttempts?: number }
  | { state: "failed" | "pruned" | "cancelled"; error: string | null };

export interface AttemptChange {
  attempt: number;
  state: AttemptState;
  error?: string;
}

/**
 * The answer of `decide`. `verdict`: `apply` (make the changes below), `ignore` (nothing changes:
 * a duplicate, a late event of a finished run), `defer` (handle the event again later), `reject`
 * (a dead letter: the run is no attempt of this trial).
 */
export interface Decision {
  verdict: Verdict;
  reason?: string;
  trial?: TrialChange;
  /** A new attempt row for the event's run. */
  newAttempt?: AttemptChange;
  /** Attempt rows that end (or change how they ended). */
  attempts?: AttemptChange[];
  /** Store the event's epochs under this attempt. */
  recordEpochsOf?: number;
  /** Runs to stop. */
  orders?: RunOrder[];
  /** The trial went back to the queue and the bus no longer holds it: publish it again. */
  republish?: boolean;
  /** A line for the event log (the store prefixes the trial's number). */
  log?: { kind: string; text: string };
}

/** The holder while running; a former attempt; or none of the trial's attempts. */
export function roleOf(trial: TrialFacts, attempts: readonly AttemptFacts[], runId: string): RunRole {
  if (trial.state === "running" && trial.runId === runId) return "holder";
  return attempts.some((a) => a.runId === runId) ? "former" : "unknown";
}

/** Lost or failed attempts so far: the part of the budget used up. */
export const attemptsUsed = (attempts: readonly AttemptFacts[]): number =>
  attempts.filter((a) => COUNTED_ATTEMPT_STATES.includes(a.state)).length;

/** Attempts a trial may still use (what its next delivery may spend). */
export const attemptsLeft = (trial: TrialFacts, attempts: readonly AttemptFacts[]): number =>
  Math.max(0, trial.maxAttempts - attemptsUsed(attempts));

const ignore = (reason: string): Decision => ({ verdict: "ignore", reason });
const reject = (runId: string): Decision => ({
  verdict: "reject",
  reason: `run ${runId} is no attempt of this trial`,
});
/** Attempt states a former run's own news may still change (it had not ended on its own). */
const OPEN: readonly AttemptState[] = ["running", "lost"];

/**
 * The one transition function: what `event` does to a trial in `trial`'s state with these
 * attempts. Pure; the store applies the answer atomically and refuses it if the row changed.
 */
export function decide(
  trial: TrialFacts,
  attempts: readonly AttemptFacts[],
  event: LifecycleEvent,
): Decision {
  switch (event.kind) {
    case "cancel":
    case "give-up":
    case "requeue":
    case "lost":
      return command(trial, attempts, event);
    case "retry":
      return retry(trial, attempts, event);
  }
  const role = roleOf(trial, attempts, event.runId);
  if (event.kind === "started") return started(trial, attempts, event.runId, role);
  if (role === "unknown") return reject(event.runId);
  const own = attempts.find((a) => a.runId === event.runId)!;
  if (role === "former") return former(trial, own, event);
  return holder(trial, attempts, own, event);
}

function started(
  trial: TrialFacts,
  attempts: readonly AttemptFacts[],
  runId: string,
  role: RunRole,
): Decision {
  if (role !== "unknown") return ignore("duplicate start");
  const attempt = Math.max(trial.attempt, ...attempts.map((a) => a.attempt)) + 1;
  const refuse = (why: string, extra: Partial<Decision> = {}): Decision => ({
    verdict: "apply",
    reason: why,
    newAttempt: { attempt, state: "refused", error: why },
    orders: [{ runId, kind: "cancel" }, ...(extra.orders ?? [])],
    ...(extra.trial ? { trial: extra.trial } : {}),
    ...(extra.attempts ? { attempts: extra.attempts } : {}),
    log: extra.log ?? { kind: "attempt.refused", text: `attempt ${attempt} refused: ${why}` },
  });
  if (isTerminal(trial.state)) return refuse(`trial already ${trial.state}`);
  // A start while another run holds the trial: the bus delivered it again, so that lease lapsed.
  const superseded =
    trial.state === "running" && trial.runId
      ? [{ attempt: trial.attempt, state: "lost" as const, error: "lease lost; delivered again" }]
      : [];
  const used = attemptsUsed(attempts) + superseded.length;
  if (used >= trial.maxAttempts) {
    const error = `gave up after ${used} lost or failed attempts`;
    return refuse(error, {
      trial: { state: "failed", error },
      attempts: superseded,
      orders: trial.state === "running" && trial.runId ? [{ runId: trial.runId, kind: "cancel" }] : [],
      log: { kind: "trial.failed", text: error },
    });
  }
  return {
    verdict: "apply",
    trial: { state: "running", attempt },
    newAttempt: { attempt, state: "running" },
    attempts: superseded,
    orders: superseded.length && trial.runId ? [{ runId: trial.runId, kind: "release" }] : [],
    log:
      attempt > 1
        ? { kind: "trial.retried", text: `attempt ${attempt}` }
        : { kind: "trial.started", text: "started" },
  };
}

/** An event of the run that holds the trial (so the trial is running). */
function holder(
  trial: TrialFacts,
  attempts: readonly AttemptFacts[],
  own: AttemptFacts,
  event: Exclude<LifecycleEvent, { kind: "started" | "cancel" | "give-up" | "requeue" | "lost" | "retry" }>,
): Decision {
  const a = own.attempt;
  switch (event.kind) {
    case "epoch":
      return { verdict: "apply", recordEpochsOf: a };
    case "completed": {
      const stored = own.epochs ?? 0;
      if (stored < event.epochs && !event.lastChance)
        return { verdict: "defer", reason: `waiting for epochs (${stored} of ${event.epochs} stored)` };
      const error =
        stored < event.epochs
          ? `result arrived without all its epochs (${stored} of ${event.epochs} stored)`
          : event.objectiveError;
      if (error) return fail(a, error);
      return {
        verdict: "apply",
        trial: { state: "completed", attempt: a },
        attempts: [{ attempt: a, state: "completed" }],
        log: { kind: "trial.completed", text: "completed" },
      };
    }
    case "failed": {
      const used = attemptsUsed(attempts) + 1;
      if (event.retryable && used < trial.maxAttempts)
        return {
          verdict: "apply",
          trial: { state: "queued", error: event.error },
          attempts: [{ attempt: a, state: "failed", error: event.error }],
          log: { kind: "trial.requeued", text: `attempt ${a} failed: ${event.error}` },
        };
      return fail(a, event.error);
    }
    case "stopped": {
      if (event.status === "pruned")
        return {
          verdict: "apply",
          trial: { state: "pruned", error: null },
          attempts: [{ attempt: a, state: "pruned" }],
          log: { kind: "trial.pruned", text: "pruned" },
        };
      // Interrupted (its worker stopped) or cancelled though the trial was not: the worker
      // acknowledged the delivery, so the trial goes back to the queue as a new message.
      const why = event.status === "interrupted" ? "interrupted" : "stopped without a cancel of the trial";
      return {
        verdict: "apply",
        trial: { state: "queued" },
        attempts: [
          { attempt: a, state: event.status === "interrupted" ? "interrupted" : "cancelled", error: why },
        ],
        republish: true,
        log: { kind: "trial.requeued", text: `requeued: ${why}` },
      };
    }
    case "rejected":
      return {
        ...fail(a, `an event could not be stored: ${event.error}`),
        orders: [{ runId: own.runId, kind: "cancel" }],
      };
  }
}

function fail(attempt: number, error: string): Decision {
  return {
    verdict: "apply",
    trial: { state: "failed", error },
    attempts: [{ attempt, state: "failed", error }],
    log: { kind: "trial.failed", text: `failed: ${error}` },
  };
}

/** An event of a run that does not hold the trial (its lease lapsed, or the trial is finished). */
function former(
  trial: TrialFacts,
  own: AttemptFacts,
  event: Exclude<LifecycleEvent, { kind: "started" | "cancel" | "give-up" | "requeue" | "lost" | "retry" }>,
): Decision {
  const a = own.attempt;
  const done = isTerminal(trial.state);
  // Stop it: `release` while another run holds (or will hold) the delivery, `cancel` once the trial is over.
  const stop: RunOrder = { runId: own.runId, kind: done ? "cancel" : "release" };
  const open = OPEN.includes(own.state);
  const end = (state: AttemptState, error?: string): Decision =>
    open
      ? { verdict: "apply", attempts: [{ attempt: a, state, ...(error ? { error } : {}) }] }
      : ignore(`attempt ${a} already ${own.state}`);
  switch (event.kind) {
    case "epoch":
      // Kept on its own attempt while its result could still be adopted whole; once the trial
      // is over or the attempt has ended (refused, cancelled, …) its epochs are no result.
      if (done || !open)
        return { verdict: "apply", reason: `attempt ${a} is ${own.state}: epoch not kept`, orders: [stop] };
      return { verdict: "apply", recordEpochsOf: a, orders: [stop] };
    case "completed": {
      if (own.state === "completed") return ignore("duplicate result");
      if (done || !open)
        return end("cancelled", `finished after the trial was ${trial.state}; result not kept`);
      const stored = own.epochs ?? 0;
      if (stored < event.epochs) {
        if (!event.lastChance)
          return { verdict: "defer", reason: `waiting for epochs (${stored} of ${event.epochs} stored)` };
        return end("cancelled", `result not kept: ${stored} of ${event.epochs} epochs stored`);
      }
      if (event.objectiveError) return end("failed", event.objectiveError);
      // Adopted whole: every epoch of it is stored. The holder, if any, is stopped.
      const holderRun = trial.state === "running" ? trial.runId : null;
      return {
        verdict: "apply",
        trial: { state: "completed", attempt: a },
        attempts: [
          { attempt: a, state: "completed" },
          ...(holderRun
            ? [
                {
                  attempt: trial.attempt,
                  state: "cancelled" as const,
                  error: "another attempt finished first",
                },
              ]
            : []),
        ],
        orders: holderRun ? [{ runId: holderRun, kind: "cancel" }] : [],
        log: { kind: "trial.completed", text: `completed by attempt ${a} (its lease had lapsed)` },
      };
    }
    case "failed":
      return end("failed", event.error);
    case "stopped":
      return end(
        event.status === "interrupted" ? "interrupted" : event.status === "pruned" ? "pruned" : "cancelled",
      );
    case "rejected": {
      const d = end("failed", `an event could not be stored: ${event.error}`);
      return d.verdict === "apply" ? { ...d, orders: [stop] } : d;
    }
  }
}

/**
 * failed → queued with a fresh budget; any other state stays as it is. No republish: a retry
 * comes before a coordinator runs the sweep, and it publishes the queued trials it finds.
 */
function retry(
  trial: TrialFacts,
  attempts: readonly AttemptFacts[],
  event: Extract<LifecycleEvent, { kind: "retry" }>,
): Decision {
  if (trial.state !== "failed") return ignore(`trial is ${trial.state}`);
  return {
    verdict: "apply",
    trial: { state: "queued", error: null, maxAttempts: attemptsUsed(attempts) + event.freshAttempts },
    log: { kind: "trial.requeued", text: `queued again (${event.reason})` },
  };
}

function command(
  trial: TrialFacts,
  attempts: readonly AttemptFacts[],
  event: Extract<LifecycleEvent, { kind: "cancel" | "give-up" | "requeue" | "lost" }>,
): Decision {
  if (isTerminal(trial.state)) return ignore(`trial is ${trial.state}`);
  const held = trial.state === "running" && trial.runId ? trial.runId : null;
  const holderEnds = (state: AttemptState, error: string): AttemptChange[] =>
    held ? [{ attempt: trial.attempt, state, error }] : [];
  switch (event.kind) {
    case "cancel":
      return {
        verdict: "apply",
        trial: { state: "cancelled", error: event.reason },
        attempts: holderEnds("cancelled", event.reason),
        orders: held ? [{ runId: held, kind: "cancel" }] : [],
        log: { kind: "trial.cancelled", text: "cancelled" },
      };
    case "give-up":
      return {
        verdict: "apply",
        trial: { state: "failed", error: event.reason },
        attempts: holderEnds("failed", event.reason),
        orders: held ? [{ runId: held, kind: "cancel" }] : [],
        log: { kind: "trial.failed", text: `failed: ${event.reason}` },
      };
    case "requeue":
      if (!held) return ignore(`trial is ${trial.state}`);
      return {
        verdict: "apply",
        trial: { state: "queued" },
        attempts: holderEnds("interrupted", event.reason),
        republish: true,
        log: { kind: "trial.requeued", text: `requeued: ${event.reason}` },
      };
    case "lost": {
      if (!held) return ignore(`trial is ${trial.state}`);
      const used = attemptsUsed(attempts) + 1;
      if (used >= trial.maxAttempts) {
        const error = `gave up after ${used} lost or failed attempts`;
        return {
          verdict: "apply",
          trial: { state: "failed", error },
          attempts: holderEnds("lost", event.reason),
          orders: [{ runId: held, kind: "cancel" }],
          log: { kind: "trial.failed", text: error },
        };
      }
      return {
        verdict: "apply",
        trial: { state: "queued" },
        attempts: holderEnds("lost", event.reason),
        // In case it is alive after all (a partition): it must not settle a delivery it lost.
        orders: [{ runId: held, kind: "release" }],
        republish: true,
        log: { kind: "trial.requeued", text: `requeued: ${event.reason}` },
      };
    }
  }
}
