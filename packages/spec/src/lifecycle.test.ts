/**
 * The transition table: every trial state × every event × the run's role (the holder, a former
 * attempt, a run that is no attempt). Each row's expectation is written out by hand in a compact
 * form (see `summary`), so a change to the rules shows up here as a changed row.
 */
import { describe, expect, it } from "vitest";
import {
  type AttemptFacts,
  type AttemptState,
  type Decision,
  decide,
  type LifecycleEvent,
  type TrialFacts,
  type TrialState,
} from "./lifecycle.ts";

/** `verdict trial:state@attempt new:n=state aN=state epochs→aN kind:run republish` */
function summary(d: Decision): string {
  const parts: string[] = [d.verdict];
  if (d.trial) parts.push(`trial:${d.trial.state}${"attempt" in d.trial ? `@${d.trial.attempt}` : ""}`);
  if (d.newAttempt) parts.push(`new:${d.newAttempt.attempt}=${d.newAttempt.state}`);
  for (const a of d.attempts ?? []) parts.push(`a${a.attempt}=${a.state}`);
  if (d.recordEpochsOf !== undefined) parts.push(`epochs→a${d.recordEpochsOf}`);
  for (const o of d.orders ?? []) parts.push(`${o.kind}:${o.runId}`);
  if (d.republish) parts.push("republish");
  return parts.join(" ");
}

const HOLD = "r-hold";
const OLD = "r-old";
const NEW = "r-new";

/** A trial in `state`: attempt 1 (r-old) lost its lease; attempt 2 (r-hold) holds or finished it. */
function fixture(state: TrialState, maxAttempts = 3): { trial: TrialFacts; attempts: AttemptFacts[] } {
  if (state === "queued")
    return {
      trial: { state, runId: null, attempt: 1, maxAttempts },
      attempts: [{ attempt: 1, runId: OLD, state: "lost", epochs: 3 }],
    };
  const second: Record<Exclude<TrialState, "queued">, AttemptState> = {
    running: "running",
    completed: "completed",
    failed: "failed",
    pruned: "pruned",
    cancelled: "cancelled",
  };
  return {
    trial: { state, runId: HOLD, attempt: 2, maxAttempts },
    attempts: [
      { attempt: 1, runId: OLD, state: "lost", epochs: 3 },
      { attempt: 2, runId: HOLD, state: second[state], epochs: 3 },
    ],
  };
}

/** The run events, by a name used in the table; `short` results have 3 epochs where 4 were trained. */
const runEvents: Record<string, (runId: string) => LifecycleEvent> = {
  started: (runId) => ({ kind: "started", runId }),
  epoch: (runId) => ({ kind: "epoch", runId }),
  completed: (runId) => ({ kind: "completed", runId, epochs: 3 }),
  "completed short": (runId) => ({ kind: "completed", runId, epochs: 4 }),
  "completed short, last chance": (runId) => ({ kind: "completed", runId, epochs: 4, lastChance: true }),
  "completed, objective NaN": (runId) => ({
    kind: "completed",
    runId,
    epochs: 3,
    objectiveError: "objective is not finite",
  }),
  "failed retryable": (runId) => ({ kind: "failed", runId, error: "boom", retryable: true }),
  failed: (runId) => ({ kind: "failed", runId, error: "boom", retryable: false }),
  "stopped pruned": (runId) => ({ kind: "stopped", runId, status: "pruned" }),
  "stopped cancelled": (runId) => ({ kind: "stopped", runId, status: "cancelled" }),
  "stopped interrupted": (runId) => ({ kind: "stopped", runId, status: "interrupted" }),
  rejected: (runId) => ({ kind: "rejected", runId, error: "bad event" }),
};

type Row = [event: string, expected: string];

/** Queued after its attempt 1 was lost (its worker vanished); r-old is a former attempt. */
const QUEUED: Record<"former" | "unknown", Row[]> = {
  former: [
    ["started", "ignore"],
    ["epoch", "apply epochs→a1 release:r-old"],
    ["completed", "apply trial:completed@1 a1=completed"],
    ["completed short", "defer"],
    ["completed short, last chance", "apply a1=cancelled"],
    ["completed, objective NaN", "apply a1=failed"],
    ["failed retryable", "apply a1=failed"],
    ["failed", "apply a1=failed"],
    ["stopped pruned", "apply a1=pruned"],
    ["stopped cancelled", "apply a1=cancelled"],
    ["stopped interrupted", "apply a1=interrupted"],
    ["rejected", "apply a1=failed release:r-old"],
  ],
  unknown: [
    ["started", "apply trial:running@2 new:2=running"],
    ["epoch", "reject"],
    ["completed", "reject"],
    ["completed short", "reject"],
    ["completed short, last chance", "reject"],
    ["completed, objective NaN", "reject"],
    ["failed retryable", "reject"],
    ["failed", "reject"],
    ["stopped pruned", "reject"],
    ["stopped cancelled", "reject"],
    ["stopped interrupted", "reject"],
    ["rejected", "reject"],
  ],
};

/** Running under r-hold (attempt 2); r-old (attempt 1) lost its lease before. */
const RUNNING: Record<"holder" | "former" | "unknown", Row[]> = {
  holder: [
    ["started", "ignore"],
    ["epoch", "apply epochs→a2"],
    ["completed", "apply trial:completed@2 a2=completed"],
    ["completed short", "defer"],
    ["completed short, last chance", "apply trial:failed a2=failed"],
    ["completed, objective NaN", "apply trial:failed a2=failed"],
    ["failed retryable", "apply trial:queued a2=failed"],
    ["failed", "apply trial:failed a2=failed"],
    ["stopped pruned", "apply trial:pruned a2=pruned"],
    ["stopped cancelled", "apply trial:queued a2=cancelled republish"],
    ["stopped interrupted", "apply trial:queued a2=interrupted republish"],
    ["rejected", "apply trial:failed a2=failed cancel:r-hold"],
  ],
  former: [
    ["started", "ignore"],
    ["epoch", "apply epochs→a1 release:r-old"],
    ["completed", "apply trial:completed@1 a1=completed a2=cancelled cancel:r-hold"],
    ["completed short", "defer"],
    ["completed short, last chance", "apply a1=cancelled"],
    ["completed, objective NaN", "apply a1=failed"],
    ["failed retryable", "apply a1=failed"],
    ["failed", "apply a1=failed"],
    ["stopped pruned", "apply a1=pruned"],
    ["stopped cancelled", "apply a1=cancelled"],
    ["stopped interrupted", "apply a1=interrupted"],
    ["rejected", "apply a1=failed release:r-old"],
  ],
  unknown: [
    ["started", "apply trial:running@3 new:3=running a2=lost release:r-hold"],
    ["epoch", "reject"],
    ["completed", "reject"],
    ["completed short", "reject"],
    ["completed short, last chance", "reject"],
    ["completed, objective NaN", "reject"],
    ["failed retryable", "reject"],
    ["failed", "reject"],
    ["stopped pruned", "reject"],
    ["stopped cancelled", "reject"],
    ["stopped interrupted", "reject"],
    ["rejected", "reject"],
  ],
};

/**
 * Finished (by r-hold, attempt 2): r-hold and r-old are both former attempts now. The same rows
 * hold for every final state; r-hold's own attempt is closed, r-old's (lost) is still open.
 */
const FINISHED: Record<"finisher" | "former" | "unknown", Row[]> = {
  finisher: [
    ["started", "ignore"],
    ["epoch", "apply cancel:r-hold"],
    ["completed", "ignore"],
    ["completed short", "ignore"],
    ["completed short, last chance", "ignore"],
    ["completed, objective NaN", "ignore"],
    ["failed retryable", "ignore"],
    ["failed", "ignore"],
    ["stopped pruned", "ignore"],
    ["stopped cancelled", "ignore"],
    ["stopped interrupted", "ignore"],
    ["rejected", "ignore"],
  ],
  former: [
    ["started", "ignore"],
    ["epoch", "apply cancel:r-old"],
    ["completed", "apply a1=cancelled"],
    ["completed short", "apply a1=cancelled"],
    ["completed short, last chance", "apply a1=cancelled"],
    ["completed, objective NaN", "apply a1=cancelled"],
    ["failed retryable", "apply a1=failed"],
    ["failed", "apply a1=failed"],
    ["stopped pruned", "apply a1=pruned"],
    ["stopped cancelled", "apply a1=cancelled"],
    ["stopped interrupted", "apply a1=interrupted"],
    ["rejected", "apply a1=failed cancel:r-old"],
  ],
  unknown: [
    ["started", "apply new:3=refused cancel:r-new"],
    ["epoch", "reject"],
    ["completed", "reject"],
    ["completed short", "reject"],
    ["completed short, last chance", "reject"],
    ["completed, objective NaN", "reject"],
    ["failed retryable", "reject"],
    ["failed", "reject"],
    ["stopped pruned", "reject"],
    ["stopped cancelled", "reject"],
    ["stopped interrupted", "reject"],
    ["rejected", "reject"],
  ],
};

const RUN_OF = { holder: HOLD, finisher: HOLD, former: OLD, unknown: NEW } as const;

function table(state: TrialState, rows: Record<string, Row[]>) {
  describe(`a ${state} trial`, () => {
    for (const [role, list] of Object.entries(rows)) {
      // Every event appears once per role: the table is complete.
      it(`covers every event for a ${role} run`, () => {
        expect(list.map(([e]) => e).sort()).toEqual(Object.keys(runEvents).sort());
      });
      it.each(list)(`${role} run: %s → %s`, (event, expected) => {
        const { trial, attempts } = fixture(state);
        const make = runEvents[event]!;
        expect(summary(decide(trial, attempts, make(RUN_OF[role as keyof typeof RUN_OF])))).toBe(expected);
      });
    }
  });
}

table("queued", QUEUED);
table("running", RUNNING);
for (const s of ["completed", "failed", "pruned", "cancelled"] as const) table(s, FINISHED);

describe("commands", () => {
  const commands: Record<string, LifecycleEvent> = {
    cancel: { kind: "cancel", reason: "by a person" },
    "give-up": { kind: "give-up", reason: "delivered 4 times" },
    requeue: { kind: "requeue", reason: "runner restarted" },
    lost: { kind: "lost", reason: "worker gone" },
  };
  const rows: [TrialState, string, string][] = [
    ["queued", "cancel", "apply trial:cancelled"],
    ["queued", "give-up", "apply trial:failed"],
    ["queued", "requeue", "ignore"],
    ["queued", "lost", "ignore"],
    ["running", "cancel", "apply trial:cancelled a2=cancelled cancel:r-hold"],
    ["running", "give-up", "apply trial:failed a2=failed cancel:r-hold"],
    ["running", "requeue", "apply trial:queued a2=interrupted republish"],
    ["running", "lost", "apply trial:queued a2=lost release:r-hold republish"],
    ...(["completed", "failed", "pruned", "cancelled"] as const).flatMap((s) =>
      Object.keys(commands).map((c): [TrialState, string, string] => [s, c, "ignore"]),
    ),
  ];
  it.each(rows)("%s trial, %s → %s", (state, command, expected) => {
    const { trial, attempts } = fixture(state);
    expect(summary(decide(trial, attempts, commands[command]!))).toBe(expected);
  });
});

describe("the retry budget (sweep.maxAttempts)", () => {
  it("fails a trial whose new start would be its budget's last lost attempt plus one", () => {
    // maxAttempts 2: r-old lost, and r-hold's lease lapses now — two lost, none left for r-new.
    const { trial, attempts } = fixture("running", 2);
    const d = decide(trial, attempts, { kind: "started", runId: NEW });
    expect(summary(d)).toBe("apply trial:failed new:3=refused a2=lost cancel:r-new cancel:r-hold");
    expect(d.reason).toBe("gave up after 2 lost or failed attempts");
  });

  it("requeues a retryable failure only while attempts remain", () => {
    const { trial, attempts } = fixture("running", 2);
    const d = decide(trial, attempts, { kind: "failed", runId: HOLD, error: "x", retryable: true });
    expect(summary(d)).toBe("apply trial:failed a2=failed");
  });

  it("fails a lost trial with no attempts left instead of queueing it again", () => {
    const { trial, attempts } = fixture("running", 2);
    expect(summary(decide(trial, attempts, { kind: "lost", reason: "gone" }))).toBe(
      "apply trial:failed a2=lost cancel:r-hold",
    );
  });

  it("does not count interrupted, cancelled or refused attempts", () => {
    const trial: TrialFacts = { state: "queued", runId: null, attempt: 3, maxAttempts: 1 };
    const attempts: AttemptFacts[] = [
      { attempt: 1, runId: "a", state: "interrupted" },
      { attempt: 2, runId: "b", state: "cancelled" },
      { attempt: 3, runId: "c", state: "refused" },
    ];
    expect(summary(decide(trial, attempts, { kind: "started", runId: NEW }))).toBe(
      "apply trial:running@4 new:4=running",
    );
  });
});

describe("run ids", () => {
  it("treats a run of another trial as no attempt of this one", () => {
    const { trial, attempts } = fixture("running");
    const d = decide(trial, attempts, { kind: "completed", runId: "run-of-trial-9", epochs: 3 });
    expect(d.verdict).toBe("reject");
    expect(d.reason).toMatch(/no attempt of this trial/);
  });
});

describe("epochs of a run that was told to stop", () => {
  // The cancel order takes a moment to reach the worker; what it trains meanwhile is no result.
  it("does not keep the epochs of a start that was refused (the trial was already over)", () => {
    const { trial, attempts } = fixture("completed");
    const start = decide(trial, attempts, { kind: "started", runId: NEW });
    expect(summary(start)).toBe("apply new:3=refused cancel:r-new");
    const refused = [...attempts, { attempt: 3, runId: NEW, state: "refused" as const }];
    expect(summary(decide(trial, refused, { kind: "epoch", runId: NEW }))).toBe("apply cancel:r-new");
  });

  it("does not keep the epochs of an attempt that ended while its trial waits in the queue", () => {
    const trial: TrialFacts = { state: "queued", runId: null, attempt: 1, maxAttempts: 3 };
    for (const state of ["cancelled", "interrupted", "failed", "pruned"] as const) {
      const attempts: AttemptFacts[] = [{ attempt: 1, runId: OLD, state }];
      expect(summary(decide(trial, attempts, { kind: "epoch", runId: OLD })), state).toBe(
        "apply release:r-old",
      );
    }
  });
});
