/**
 * A user's own training program as the trainer (issue 18), embedded and over a real nats-server:
 * a small standard-library Python program (fixtures/toy_program.py) that reports with mtl_report.
 * Each test checks what the store kept, not what was printed alone.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Store } from "@mtl/store";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { mtl, ROOT, tempDir, writeExperiment } from "./helpers/cli.ts";
import { type NatsServer, startNatsServer } from "./helpers/nats.ts";
import { expectSound, Processes, until } from "./helpers/sweeps.ts";

const tmp = tempDir("mtl-programs-");
afterAll(() => tmp.cleanup());
const TOY = join(ROOT, "test", "fixtures", "toy_program.py");

/** A folder with the toy program in it, and an experiment beside it naming it by a relative path. */
function toyFolder(name: string) {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(TOY, join(dir, "toy.py"));
  return dir;
}

const TASKS = [
  { name: "digit", kind: "classification", metric: "accuracy" },
  { name: "parity", kind: "classification", metric: "accuracy" },
  { name: "big", kind: "classification", metric: "accuracy" },
];

function toyExperiment(name: string, overrides: Record<string, unknown> = {}) {
  return {
    name,
    trainer: { program: "toy" },
    programs: { toy: ["python3", "toy.py"] },
    tasks: TASKS,
    strategies: ["equal", "fixed"],
    seeds: [0, 1],
    training: { epochs: 4, learningRate: 0.01 },
    ...overrides,
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * An ASHA sweep of 8 toy trials whose program is stubborn (it ignores SIGTERM: only SIGKILL after
 * `--grace` ends it) and slow enough (0.25 s an epoch) for the pruner's verdicts to land mid-trial.
 */
const stubbornAsha = (name: string) =>
  toyExperiment(name, {
    strategies: ["equal"],
    seeds: [0],
    space: {
      learningRate: { kind: "loguniform", low: 1e-5, high: 1 },
      stubborn: { kind: "choice", values: [true] },
      sleep: { kind: "choice", values: [0.25] },
    },
    training: { epochs: 9 },
    sweep: {
      sampler: "random",
      maxTrials: 8,
      seed: 3,
      pruner: { kind: "asha", reduction: 3, minEpochs: 1 },
    },
  });

describe("programs on the embedded path", () => {
  it("runs a program sweep with single-task baselines: every epoch stored, Δm% against the baselines", async () => {
    const dir = toyFolder("sweep");
    const file = writeExperiment(dir, "toy", toyExperiment("toy-sweep", { baselines: true }));
    const db = join(dir, "toy.db");
    const r = await mtl(["run", file, "--db", db, "--workers", "2"]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const store = new Store(db, { readonly: true });
    try {
      // 2 strategies × 2 seeds, and per seed one single-task run (the program trains each task alone).
      const sound = expectSound(store, { trials: 4 + 2, epochs: 4 });
      expect(sound.attempts).toBe(6);
      const trials = store.trialsOf(1);
      expect(new Set(trials.map((t) => t.backend))).toEqual(new Set(["program:toy"]));
      // The program was told its strategy: single-task runs train one task each.
      const base = trials.filter((t) => t.config.strategy.name === "single-task");
      expect(base).toHaveLength(2);
    } finally {
      store.close();
    }
    const c = await mtl(["compare", "1", "--db", db, "--format", "json"]);
    expect(c.exitCode, c.stderr).toBe(0);
    const rows = JSON.parse(c.stdout).rows as {
      method: string;
      isBaseline: boolean;
      deltaM: { mean: number } | null;
    }[];
    // Both strategies are paired with the baselines by seed: each has a Δm%.
    const strategies = rows.filter((row) => !row.isBaseline);
    expect(strategies.map((row) => row.method).sort()).toEqual(["equal", "fixed"]);
    for (const row of strategies) expect(typeof row.deltaM?.mean, row.method).toBe("number");
  });

  it("fails a trial whose program exits non-zero (its stderr is the reason) or reports a NaN training loss", async () => {
    const dir = toyFolder("failing");
    const file = writeExperiment(
      dir,
      "bad",
      toyExperiment("toy-bad", { strategies: ["equal", "crash", "nan"], seeds: [0] }),
    );
    const db = join(dir, "bad.db");
    const r = await mtl(["run", file, "--db", db, "--workers", "1"]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(3);
    const store = new Store(db, { readonly: true });
    try {
      const byStrategy = Object.fromEntries(store.trialsOf(1).map((t) => [t.config.strategy.name, t]));
      expect(byStrategy.equal?.state).toBe("completed");
      expect(byStrategy.crash?.state).toBe("failed");
      expect(byStrategy.crash?.error).toMatch(/exited with code 3: .*boom: the data folder is missing/);
      expect(byStrategy.nan?.state).toBe("failed");
      expect(byStrategy.nan?.error).toMatch(/non-finite training loss in task digit at epoch 2/);
      // The failure is kept with the attempt too (the dashboard's trial view shows attempts).
      const attempts = store.attemptsOf(byStrategy.crash!.id);
      expect(attempts.at(-1)?.error).toMatch(/boom/);
    } finally {
      store.close();
    }
    expect(r.stdout).toMatch(/boom: the data folder is missing/);
  });

  it("ASHA prunes a slow program: SIGTERM reaches it, SIGKILL follows the grace period", async () => {
    const dir = toyFolder("asha");
    const spec = stubbornAsha("toy-asha");
    const file = writeExperiment(dir, "asha", spec);
    const db = join(dir, "asha.db");
    const r = await mtl(["run", file, "--db", db, "--workers", "2", "--grace", "0.5"], {
      env: { MTL_TOY_LOG: dir },
    });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const store = new Store(db, { readonly: true });
    const trials = store.trialsOf(1);
    store.close();
    const pruned = trials.filter((t) => t.state === "pruned");
    expect(pruned.length).toBeGreaterThan(0);
    const termed = readFileSync(join(dir, "sigterm.log"), "utf8").trim().split("\n");
    for (const t of pruned) {
      expect(termed, `trial ${t.number} got SIGTERM`).toContain(`${t.number}-${t.attempt}`);
      expect(t.prunedEpoch).toBeLessThan(9);
    }
    // Every program it started is gone: the stubborn ones were SIGKILLed.
    const pids = readdirSync(dir).filter((f) => f.startsWith("pid-"));
    expect(pids.length).toBe(trials.length);
    for (const f of pids) expect(alive(Number(readFileSync(join(dir, f), "utf8"))), f).toBe(false);
  });

  it("refuses a program the experiment does not define, before writing anything", async () => {
    const dir = toyFolder("missing");
    const file = writeExperiment(
      dir,
      "missing",
      toyExperiment("toy-missing", { programs: { other: ["python3", "toy.py"] } }),
    );
    const db = join(dir, "missing.db");
    const r = await mtl(["run", file, "--db", db]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/trainer\.program: no program "toy"/);
    expect(existsSync(db)).toBe(false);
  });
});

describe("programs over NATS", () => {
  let server: NatsServer | undefined;
  const procs = new Processes();
  afterEach(async (context) => {
    if (context.task.result?.state === "fail") process.stderr.write(`${procs.tails()}\n`);
    procs.killAll();
    await server?.stop();
    server = undefined;
  });

  it("runs trials only on workers that registered the program; a worker SIGKILLed mid-program loses nothing", async () => {
    server = await startNatsServer();
    const dir = toyFolder("nats");
    // On the wire there is no command: the experiment names the program, workers register it.
    const spec = toyExperiment("toy-nats", {
      seeds: [0, 1, 2],
      space: { sleep: { kind: "choice", values: [0.3] } },
    });
    delete (spec as { programs?: unknown }).programs;
    const file = writeExperiment(dir, "nats", spec);
    const db = join(dir, "nats.db");
    const programFlag = `toy=python3 ${join(dir, "toy.py")}`;
    const env = { MTL_TOY_LOG: dir };
    // A worker without the program, and one with it (short lease so a lost trial comes back soon).
    const plain = await procs.workers(server.url, ["plain"], ["--no-warm-up", "--ack-wait", "1000"]);
    const first = procs.start(
      ["worker", "--nats", server.url, "--name", "p1", "--only-programs", "--program", programFlag],
      env,
    );
    await first.waitFor(/worker p1: 1 slot\(s\), pool cpu, programs toy/);
    const run = procs.start(["run", file, "--nats", server.url, "--db", db, "--ack-wait", "1000"]);
    // SIGKILL p1 while its program is in the middle of a trial.
    const target = await until(
      db,
      (s) => s.trialsOf(1, ["running"]).find((t) => t.worker === "p1" && t.epoch >= 1),
      "p1 mid-trial",
      120_000,
    );
    first.kill("SIGKILL");
    await first;
    const second = procs.start(
      ["worker", "--nats", server.url, "--name", "p2", "--program", programFlag, "--no-warm-up"],
      env,
    );
    await run;
    expect(run.exitCode, run.output()).toBe(0);
    const store = new Store(db, { readonly: true });
    try {
      expectSound(store, { trials: 6, epochs: 4 });
      const attempts = store.trialsOf(1).flatMap((t) => store.attemptsOf(t.id));
      // The worker without the program never held one of its trials.
      expect(attempts.filter((a) => a.worker === "plain")).toEqual([]);
      expect(new Set(attempts.map((a) => a.worker))).toEqual(new Set(["p1", "p2"]));
      // The trial cut short ran again elsewhere, and its result is stored once.
      const again = store.attemptsOf(target.id);
      expect(again.some((a) => a.worker === "p1" && a.state !== "completed")).toBe(true);
      expect(again.filter((a) => a.state === "completed").map((a) => a.worker)).toEqual(["p2"]);
      // Each run was told the attempt the store recorded for it (the toy writes pid-TRIAL-ATTEMPT).
      for (const a of again)
        expect(existsSync(join(dir, `pid-${target.number}-${a.attempt}`)), `attempt ${a.attempt}`).toBe(true);
    } finally {
      store.close();
    }
    expect(plain[0]!.exitCode).toBeNull();
    second.kill("SIGTERM");
    await second;
  });

  it("over NATS too: a non-zero exit fails with its stderr line, a NaN loss fails, ASHA prunes with SIGTERM then SIGKILL", async () => {
    server = await startNatsServer();
    const dir = toyFolder("nats-faults");
    const env = { MTL_TOY_LOG: dir };
    const programFlag = `toy=python3 ${join(dir, "toy.py")}`;
    await procs.workers(
      server.url,
      ["w1", "w2"],
      ["--no-warm-up", "--program", programFlag, "--grace", "0.5"],
      env,
    );
    const failing = toyExperiment("toy-nats-bad", { strategies: ["equal", "crash", "nan"], seeds: [0] });
    delete (failing as { programs?: unknown }).programs;
    const bad = procs.start([
      "run",
      writeExperiment(dir, "bad", failing),
      "--nats",
      server.url,
      "--db",
      join(dir, "bad.db"),
    ]);
    await bad;
    expect(bad.exitCode, bad.output()).toBe(3);
    const byStrategy = new Map<string, { state: string; error: string | null }>();
    const store = new Store(join(dir, "bad.db"), { readonly: true });
    for (const t of store.trialsOf(1)) byStrategy.set(t.config.strategy.name, t);
    store.close();
    expect(byStrategy.get("equal")?.state).toBe("completed");
    expect(byStrategy.get("crash")?.error).toMatch(/exited with code 3: .*boom: the data folder is missing/);
    expect(byStrategy.get("nan")?.error).toMatch(/non-finite training loss in task digit at epoch 2/);

    const asha = stubbornAsha("toy-nats-asha");
    delete (asha as { programs?: unknown }).programs;
    const db = join(dir, "asha.db");
    const run = procs.start(["run", writeExperiment(dir, "asha", asha), "--nats", server.url, "--db", db]);
    await run;
    expect(run.exitCode, run.output()).toBe(0);
    const s = new Store(db, { readonly: true });
    const pruned = s.trialsOf(1, ["pruned"]);
    s.close();
    expect(pruned.length).toBeGreaterThan(0);
    const termed = readFileSync(join(dir, "sigterm.log"), "utf8").trim().split("\n");
    for (const t of pruned)
      expect(termed, `trial ${t.number} got SIGTERM`).toContain(`${t.number}-${t.attempt}`);
    for (const f of readdirSync(dir).filter((x) => x.startsWith("pid-")))
      expect(alive(Number(readFileSync(join(dir, f), "utf8"))), f).toBe(false);
  });
});
