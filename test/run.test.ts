import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { resolveConfig } from "@mtl/scheduler";
import { ExperimentSpec } from "@mtl/spec";
import { Store } from "@mtl/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mtl, ROOT, tempDir, tinyExperiment, writeExperiment } from "./helpers/cli.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe("mtl run, end to end on the embedded default", () => {
  const db = join(tmp.dir, "results.db");
  let file: string;
  let first: Awaited<ReturnType<typeof mtl>>;

  beforeAll(async () => {
    file = writeExperiment(tmp.dir, "tiny", tinyExperiment("tiny"));
    first = await mtl(["run", file, "--db", db, "--workers", "2"]);
  });

  it("completes every trial and prints a leaderboard", () => {
    expect(first.stderr).toBe("");
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(/sweep 1 complete: 4 completed, 0 failed/);
    expect(first.stdout).toMatch(/#\s+configuration\s+seeds\s+mean\.accuracy \(val\)/);
  });

  it("starts both workers, and every trial ran on one of them", () => {
    // Which worker takes which trial is the machine's timing (one may load its backend before the
    // other and take all four): the workers that joined, and where trials ran, are not.
    const store = new Store(db, { readonly: true });
    const joined = store.listWorkers().map((w) => w.name);
    const ran = new Set(store.trialsOf(1).map((t) => t.worker));
    store.close();
    expect(joined.sort()).toEqual(["local-1", "local-2"]);
    for (const w of ran) expect(joined).toContain(w);
  });

  it("writes every epoch's metrics per task and split to the store", () => {
    const store = new Store(db, { readonly: true });
    for (const t of store.trialsOf(1)) {
      const rows = store.metricsOf(t.id);
      for (const task of ["task1", "task2"])
        for (const split of ["train", "val", "test"]) {
          const acc = rows.filter((r) => r.task === task && r.split === split && r.name === "accuracy");
          expect(acc.map((r) => r.epoch)).toEqual([1, 2, 3]);
        }
      expect(rows.filter((r) => r.name === "weight").length).toBe(6);
    }
    store.close();
  });

  it("lists the trials as JSON with final per-task metrics", async () => {
    const r = await mtl(["trials", "--db", db, "--json"]);
    expect(r.exitCode).toBe(0);
    const trials = JSON.parse(r.stdout) as {
      state: string;
      final: Record<string, Record<string, Record<string, number>>>;
      backend: string;
    }[];
    expect(trials).toHaveLength(4);
    for (const t of trials) {
      expect(t.state).toBe("completed");
      expect(t.backend).toMatch(/^(wasm|cpu|tensorflow|tensorflow-gpu)$/);
      for (const task of ["task1", "task2"]) {
        const acc = t.final[task]?.test?.accuracy;
        expect(acc).toBeGreaterThan(0.3); // better than chance on a learnable task with 2 classes
        expect(acc).toBeLessThanOrEqual(1);
      }
    }
  });

  it("gives the same metrics for the same seed", async () => {
    const again = tempDir();
    const db2 = join(again.dir, "again.db");
    const r = await mtl(["run", file, "--db", db2, "--workers", "1"]);
    expect(r.exitCode).toBe(0);
    const a = new Store(db, { readonly: true });
    const b = new Store(db2, { readonly: true });
    const finals = (s: Store) => new Map(s.trialsOf(1).map((t) => [`${t.configKey}/${t.seed}`, t.final]));
    expect(finals(b)).toEqual(finals(a));
    a.close();
    b.close();
    again.cleanup();
  });

  it("says so when run again and repeats nothing", async () => {
    const r = await mtl(["run", file, "--db", db, "--workers", "2"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /already complete: 4 trials \(4 completed, 0 failed, 0 pruned, 0 cancelled\), nothing to run/,
    );
    const store = new Store(db, { readonly: true });
    for (const t of store.trialsOf(1)) expect(store.attemptsOf(t.id)).toHaveLength(1);
    store.close();
  });
});

describe("mtl run, interrupted and resumed", () => {
  it("stops cleanly on Ctrl-C and resumes the unfinished trials", async () => {
    const db = join(tmp.dir, "resume.db");
    const spec = tinyExperiment("resume", { seeds: [0, 1, 2, 3], training: { epochs: 8, batchSize: 16 } });
    const file = writeExperiment(tmp.dir, "resume", spec);
    const child = mtl(["run", file, "--db", db, "--workers", "2"]);
    // Wait until some trial has finished, then interrupt.
    let completedBefore = 0;
    for (let i = 0; i < 600 && completedBefore === 0; i++) {
      await sleep(200);
      try {
        const s = new Store(db, { readonly: true });
        completedBefore = s.counts(1).completed;
        s.close();
      } catch {
        // not created yet
      }
    }
    child.kill("SIGINT");
    const r = await child;
    expect(r.exitCode).toBe(130);
    const mid = new Store(db, { readonly: true });
    const counts = mid.counts(1);
    const doneIds = mid.trialsOf(1, ["completed"]).map((t) => t.id);
    mid.close();
    expect(counts.running).toBe(0);
    expect(counts.completed).toBeLessThan(8);
    // Every trial of the sweep that is not finished, planned or not; the command to resume, whole.
    const finished = counts.completed + counts.failed + counts.pruned + counts.cancelled;
    expect(r.stdout).toContain(
      `interrupted: ${counts.completed} trials completed; ${8 - finished} unfinished will resume on the next \`pnpm exec mtl run ${file} --db ${db} --workers 2\``,
    );

    const resumed = await mtl(["run", file, "--db", db, "--workers", "2"]);
    expect(resumed.exitCode).toBe(0);
    const end = new Store(db, { readonly: true });
    expect(end.counts(1).completed).toBe(8);
    // Trials finished before the interrupt were not run again.
    for (const id of doneIds) expect(end.attemptsOf(id).map((a) => a.state)).toEqual(["completed"]);
    end.close();
  });
});

describe("bad experiment files", () => {
  it("names every invalid field and exits 2 without a stack trace", async () => {
    const bad = tinyExperiment("bad", {
      tasks: [
        { name: "task1", kind: "classification", metric: "accuracy" },
        { name: "task2", kind: "regression", metric: "r2" },
      ],
      training: { epochs: "ten" },
    });
    const r = await mtl(["run", writeExperiment(tmp.dir, "bad", bad), "--db", join(tmp.dir, "bad.db")]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("tasks[1].metric: expected one of accuracy, f1, mse, mae");
    expect(r.stderr).toMatch(/training\.epochs: expected number/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses a trial budget too small for one configuration with its seeds", async () => {
    const file = writeExperiment(tmp.dir, "budget", tinyExperiment("budget"));
    const r = await mtl(["run", file, "--db", join(tmp.dir, "budget.db"), "--max-trials", "1"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe(
      "mtl: sweep.maxTrials (1) is smaller than one configuration with its 2 seed(s): nothing to run",
    );
  });

  it("reports a missing file in one line", async () => {
    const r = await mtl(["run", join(tmp.dir, "nope.ts")]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toMatch(/^mtl: experiment file not found: .*nope\.ts$/);
  });

  it("reports a file that throws on import in one line", async () => {
    const file = join(tmp.dir, "throws.ts");
    await import("node:fs").then((fs) =>
      fs.writeFileSync(file, 'throw new Error("boom");\nexport default {};\n'),
    );
    const r = await mtl(["run", file]);
    expect(r.exitCode).toBe(2);
    const [head, where] = r.stderr.trim().split("\n");
    expect(head).toMatch(/^mtl: could not load experiment file .*throws\.ts: boom$/);
    expect(where).toMatch(/^ {2}.*throws\.ts:1:7: boom$/);
  });
});

describe("a sweep whose trials fail", () => {
  // Half the trials diverge at run time (a learning rate of 1e12 passes every check before).
  const spec = {
    name: "diverge",
    dataset: { name: "correlated-regression", options: { n_samples: 300, dim: 8, n_tasks: 2 } },
    tasks: [
      { name: "task1", kind: "regression", metric: "mse" },
      { name: "task2", kind: "regression", metric: "mse" },
    ],
    model: { architecture: "hard-sharing", hidden: [8] },
    strategies: ["equal"],
    space: { learningRate: { kind: "choice", values: [0.01, 1e12] } },
    seeds: [0, 1],
    training: { epochs: 2, batchSize: 32, optimizer: "sgd" },
  };
  const db = join(tmp.dir, "diverge.db");
  let file: string;
  let first: Awaited<ReturnType<typeof mtl>>;

  beforeAll(async () => {
    file = writeExperiment(tmp.dir, "diverge", spec);
    first = await mtl(["run", file, "--db", db, "--workers", "2"]);
  });

  it("exits 3 and groups the failures by reason, with the command that retries them", () => {
    expect(first.exitCode, first.stderr).toBe(3);
    expect(first.stdout).toContain("sweep 1 complete: 2 completed, 2 failed, 0 pruned, 0 cancelled");
    expect(first.stdout).toMatch(
      /^2 trials failed:\n {2}2 × non-finite loss in task task\d at epoch \d \(trial #\d, #\d\)$/m,
    );
    expect(first.stdout).toContain(
      `Fix the cause, then run them again: pnpm exec mtl run ${file} --db ${db} --workers 2 --retry-failed`,
    );
  });

  it("says so again when run again, and still exits 3", async () => {
    const r = await mtl(["run", file, "--db", db, "--workers", "2"]);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain(
      "is already complete: 4 trials (2 completed, 2 failed, 0 pruned, 0 cancelled), nothing to run.",
    );
    expect(r.stdout).toMatch(/^2 trials failed:$/m);
  });

  it("--retry-failed queues the failed trials again and runs only them", async () => {
    const before = new Store(db, { readonly: true });
    const failed = before.trialsOf(1, ["failed"]).map((t) => t.id);
    const completed = before.trialsOf(1, ["completed"]).map((t) => t.id);
    before.close();
    const r = await mtl(["run", file, "--db", db, "--workers", "2", "--retry-failed"]);
    expect(r.stdout).toContain("2 failed trial(s) of sweep 1 queued again");
    expect(r.exitCode).toBe(3); // they diverge again
    const after = new Store(db, { readonly: true });
    for (const id of failed) expect(after.attemptsOf(id).map((a) => a.state)).toEqual(["failed", "failed"]);
    for (const id of completed) expect(after.attemptsOf(id)).toHaveLength(1);
    after.close();
  });

  it("documents the exit codes in mtl run --help", async () => {
    const r = await mtl(["run", "--help"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^ {2}3 {4}the sweep finished but some trials failed/m);
    expect(r.stdout).toMatch(/^ {2}2 {4}bad input/m);
  });
});

describe("machine-readable output", () => {
  const db = join(tmp.dir, "big.db");
  const trials = 1500;

  beforeAll(() => {
    // A sweep of many planned trials, written through the store: what is under test is the output.
    const store = new Store(db);
    const experiment = ExperimentSpec.parse(tinyExperiment("big"));
    const { sweep } = store.ensureSweep(experiment);
    const config = resolveConfig(experiment, { strategy: "equal" }, 0);
    store.planTrials(
      sweep.id,
      Array.from({ length: trials }, (_, seed) => ({
        configKey: "k",
        seed,
        method: "equal",
        params: {},
        config,
      })),
    );
    store.close();
  });

  it("mtl trials --json arrives whole through a pipe (several hundred KB)", async () => {
    const r = await mtl(["trials", "--db", db, "--json"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(500_000);
    const parsed = JSON.parse(r.stdout) as unknown[];
    expect(parsed).toHaveLength(trials);
  });

  it("the README's launch form (pnpm exec mtl …) prints clean JSON", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toContain("pnpm exec mtl trials [--db mtl.db] [--sweep ID] [--json]");
    const r = await mtl(["trials", "--db", db, "--json"], { via: "readme" });
    expect(r.exitCode).toBe(0);
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(trials);
    const list = await mtl(["list", "strategies", "--json"], { via: "readme" });
    expect((JSON.parse(list.stdout) as { name: string }[]).map((s) => s.name)).toContain("pcgrad");
  });
});

describe("mtl trials, as a table", () => {
  it("tells strategy variants apart (mgda and mgda{ub=true} are two rows that read differently)", async () => {
    const db = join(tmp.dir, "variants.db");
    const spec = tinyExperiment("variants", {
      strategies: ["mgda", { name: "mgda", options: { ub: true } }],
      seeds: [0],
      training: { epochs: 1, batchSize: 32 },
    });
    const run = await mtl(["run", writeExperiment(tmp.dir, "variants", spec), "--db", db, "--workers", "1"]);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const r = await mtl(["trials", "--db", db]);
    expect(r.exitCode, r.stderr).toBe(0);
    const rows = r.stdout.split("\n").filter((l) => /^\s*\d+\s+completed/.test(l));
    expect(rows).toHaveLength(2);
    expect(rows.some((l) => /mgda\{ub=true\}/.test(l))).toBe(true);
    expect(rows.some((l) => /\bmgda\s/.test(l))).toBe(true);
  });
});
