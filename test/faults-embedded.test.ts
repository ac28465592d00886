/**
 * Faults on the embedded path (`mtl run` alone, no server): the runner SIGKILLed mid-sweep and
 * resumed, two runners on one results file, and a validation metric that overflows. Each ends with
 * the data-safety invariants (helpers/sweeps.ts).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Store } from "@mtl/store";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir, writeExperiment } from "./helpers/cli.ts";
import { expectSound, Processes, read, report, twoTasks, until } from "./helpers/sweeps.ts";

const procs = new Processes();
const cleanups: (() => void)[] = [];

afterEach(() => {
  procs.killAll();
  for (const c of cleanups.splice(0)) c();
});

function setup() {
  const tmp = tempDir("mtl-faults-");
  cleanups.push(tmp.cleanup);
  return { dir: tmp.dir, db: join(tmp.dir, "results.db") };
}

/** Pauses or resumes sweep 1 in the results file, as the dashboard's `p` does. */
function pause(db: string, status: "paused" | "running") {
  const store = new Store(db);
  try {
    store.setSweepStatus(1, status);
  } finally {
    store.close();
  }
}

const integrity = (db: string) => {
  const raw = new Database(db, { readonly: true });
  try {
    return raw.pragma("integrity_check", { simple: true });
  } finally {
    raw.close();
  }
};

describe("embedded runs under faults", () => {
  it("resumes after the runner is SIGKILLed mid-sweep; the file passes integrity_check", async () => {
    const { dir, db } = setup();
    const file = writeExperiment(dir, "crash", {
      ...twoTasks("crash", { seeds: 4, epochs: 5, samples: 600, strategies: ["equal", "fixed"] }),
      // Two at a time: most of the sweep is still ahead when two trials have finished.
      sweep: { parallelism: 2 },
    });
    const first = procs.start(["run", file, "--db", db, "--workers", "2"]);
    await until(db, (s) => s.counts(1).completed >= 2, "two completed trials");
    first.kill("SIGKILL");
    await first;
    const atKill = read(db, (s) => ({ counts: s.counts(1), status: s.getSweep(1)?.status }));
    // The kill landed mid-sweep: trials were left unfinished.
    expect(atKill?.status).toBe("running");
    expect(atKill!.counts.completed).toBeLessThan(8);
    expect(integrity(db)).toBe("ok");

    const second = procs.start(["run", file, "--db", db, "--workers", "2"]);
    await second;
    expect(second.exitCode, second.output()).toBe(0);
    expect(second.output()).toMatch(/sweep 1 complete: 8 completed, 0 failed/);
    expect(integrity(db)).toBe("ok");
    const store = new Store(db, { readonly: true });
    try {
      const figures = expectSound(store, { trials: 8, epochs: 5 });
      // The attempts the kill cut short were taken back, not counted as lost.
      const interrupted = store
        .trialsOf(1)
        .flatMap((t) => store.attemptsOf(t.id))
        .filter((a) => a.state === "interrupted").length;
      report("embedded SIGKILL", {
        kills: 1,
        completedAtKill: atKill!.counts.completed,
        interrupted,
        ...figures,
      });
    } finally {
      store.close();
    }
  });

  it("refuses a second runner on the same results file (exit 2), and the first runs the sweep once", async () => {
    const { dir, db } = setup();
    const file = writeExperiment(
      dir,
      "twice",
      twoTasks("twice", { seeds: 4, epochs: 4, samples: 600, strategies: ["equal", "fixed"] }),
    );
    const first = procs.start(["run", file, "--db", db, "--workers", "1"]);
    await until(db, (s) => s.trialsOf(1, ["running"]).length > 0, "the first run to train");
    // Held open while the second tries: paused, as from the dashboard (no new trial starts).
    pause(db, "paused");
    const plannedBefore = read(db, (s) => s.trialsOf(1).length);
    const second = procs.start(["run", file, "--db", db, "--workers", "1"]);
    await second;
    expect(second.exitCode, second.output()).toBe(2);
    expect(second.output()).toMatch(
      new RegExp(`results\\.db is in use by mtl run .*twice\\.ts \\(pid ${first.pid} on `),
    );
    expect(second.output()).not.toMatch(/\n\s+at /); // no stack trace
    // The first is still the only runner: it is not done, and the second planned nothing.
    expect(first.exitCode).toBeNull();
    expect(read(db, (s) => s.getSweep(1)?.status)).toBe("paused");
    expect(read(db, (s) => s.trialsOf(1).length)).toBe(plannedBefore);
    pause(db, "running");
    await first;
    expect(first.exitCode, first.output()).toBe(0);
    expect(first.output()).toMatch(/sweep 1 complete: 8 completed, 0 failed/);
    const store = new Store(db, { readonly: true });
    try {
      report("two embedded runners", { secondRefused: 1, ...expectSound(store, { trials: 8, epochs: 4 }) });
    } finally {
      store.close();
    }
  });

  it("keeps an overflowing validation metric as data; only a non-finite training loss fails a trial", async () => {
    const { dir, db } = setup();
    // Task y's targets are ordinary except one row, 1e39: Infinity in float32. Where that row
    // lands (the split is seeded) decides: in validation, y's val mse overflows while training
    // is untouched; in training, y's training loss is not finite. One file per row position.
    const rows = 40;
    const files = Array.from({ length: 6 }, (_, k) => {
      const lines = ["x1,x2,c,y"];
      for (let i = 0; i < rows; i++) {
        const x1 = ((i * 37) % 17) / 17;
        const x2 = ((i * 11) % 13) / 13;
        const y = i === k * 6 ? "1e39" : (x1 - x2).toFixed(3);
        lines.push(`${x1.toFixed(3)},${x2.toFixed(3)},${x1 > x2 ? "a" : "b"},${y}`);
      }
      const path = join(dir, `rows-${k}.csv`);
      writeFileSync(path, `${lines.join("\n")}\n`);
      return path;
    });
    const file = writeExperiment(dir, "overflow", {
      name: "overflow",
      dataset: {
        name: "csv",
        options: { path: files[0], targets: { c: "classification", y: "regression" } },
        split: { val: 0.5, test: 0 },
      },
      tasks: [
        { name: "c", kind: "classification", metric: "accuracy" },
        { name: "y", kind: "regression", metric: "mse" },
      ],
      model: { architecture: "hard-sharing", hidden: [8] },
      space: { "dataset.path": { kind: "choice", values: files } },
      training: { epochs: 3, batchSize: 8, learningRate: 0.01 },
      sweep: { objective: { task: "c" } },
    });
    const run = procs.start(["run", file, "--db", db, "--workers", "2"]);
    await run;
    // Not hung (the bug this guards against left such a trial running forever): the sweep ended,
    // with exit 3 for the trials whose training loss overflowed.
    expect(run.exitCode, run.output()).toBe(3);
    expect(run.output()).toMatch(/sweep 1 complete/);
    const store = new Store(db, { readonly: true });
    try {
      const trials = store.trialsOf(1);
      expect(trials).toHaveLength(6);
      const valMse = (id: number) =>
        store.metricsOf(id).filter((m) => m.task === "y" && m.split === "val" && m.name === "mse");
      const overflowed = trials.filter(
        (t) => t.state === "completed" && !Number.isFinite(t.final?.y?.val?.mse),
      );
      const failed = trials.filter((t) => t.state === "failed");
      // Both cases happened (else the test proved nothing), and nothing else did.
      expect(overflowed.length).toBeGreaterThan(0);
      expect(failed.length).toBeGreaterThan(0);
      expect(overflowed.length + failed.length).toBe(6);
      for (const t of overflowed) {
        expect(t.objective).toEqual([expect.any(Number)]);
        expect(t.final?.y?.val?.mse).toBe(Number.POSITIVE_INFINITY);
        expect(valMse(t.id).map((m) => m.value)).toEqual([
          Number.POSITIVE_INFINITY,
          Number.POSITIVE_INFINITY,
          Number.POSITIVE_INFINITY,
        ]);
      }
      for (const t of failed) expect(t.error).toMatch(/non-finite loss in task y/);
      expect(store.deadLetters()).toEqual([]);
      report("overflowing metric", {
        trials: 6,
        overflowedCompleted: overflowed.length,
        failedOnLoss: failed.length,
      });
    } finally {
      store.close();
    }
  });
});
