import { Store } from "@mtl/store";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { writeExperiment } from "./helpers/cli.ts";
import {
  checkOverflow,
  expectSound,
  overflowSweep,
  read,
  report,
  twoTasks,
  until,
  useLab,
} from "./helpers/sweeps.ts";

const lab = useLab("mtl-faults-");
const procs = lab.procs;
const setup = lab.folder;

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
    const file = overflowSweep(dir);
    const run = procs.start(["run", file, "--db", db, "--workers", "2"]);
    await run;
    // Not hung (the bug this guards against left such a trial running forever): the sweep ended,
    // with exit 3 for the trials whose training loss overflowed.
    expect(run.exitCode, run.output()).toBe(3);
    expect(run.output()).toMatch(/sweep 1 complete/);
    report("overflowing metric (embedded)", checkOverflow(db));
  });
});
