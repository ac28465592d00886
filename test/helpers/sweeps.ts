/**
 * What the end-to-end tests of the distributed path share: experiments small enough to train in
 * seconds, worker processes, a lab torn down after each test (`useLab`), polling the results file
 * other processes write, and the data-safety invariants every test checks at its end.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Store } from "@mtl/store";
import { afterEach, expect } from "vitest";
import { tempDir, writeExperiment } from "./cli.ts";
import { type MtlProcess, type NatsServer, spawnMtl, startNatsServer } from "./nats.ts";

/** Two classification tasks; `seeds` × `strategies` trials of `epochs` epochs on `samples` samples. */
export function twoTasks(
  name: string,
  o: { seeds: number; epochs: number; samples: number; strategies?: string[]; hidden?: number[] },
) {
  return {
    name,
    dataset: {
      name: "classification",
      options: { n_samples: o.samples, n_features: 16, n_informative: 5, n_tasks: 2 },
    },
    tasks: [
      { name: "task1", kind: "classification", metric: "accuracy" },
      { name: "task2", kind: "classification", metric: "accuracy" },
    ],
    model: { architecture: "hard-sharing", hidden: o.hidden ?? [64, 64] },
    strategies: o.strategies ?? ["equal"],
    seeds: Array.from({ length: o.seeds }, (_, i) => i),
    training: { epochs: o.epochs, batchSize: 32, learningRate: 0.01 },
  };
}

/** The `mtl` processes a test started: killed at its end if still running. */
/** The first words of a process's `mtl` command line (its command and first arguments). */
const commandOf = (p: MtlProcess) => {
  const args = p.spawnargs;
  const script = args.findIndex((a) => /(mtl\.mjs|main\.ts)$/.test(a));
  return args.slice(script + 1, script + 4).join(" ");
};

export class Processes {
  private readonly all: MtlProcess[] = [];

  start(args: string[], env: Record<string, string> = {}): MtlProcess {
    const p = spawnMtl(args, env);
    this.all.push(p);
    return p;
  }

  /** Starts `mtl worker`s and resolves once each has loaded its backend. */
  async workers(
    url: string,
    names: string[],
    extra: string[] = [],
    env: Record<string, string> = {},
  ): Promise<MtlProcess[]> {
    const started = names.map((name) => this.start(["worker", "--nats", url, "--name", name, ...extra], env));
    await Promise.all(
      started.map((p, i) => p.waitFor(new RegExp(`worker ${names[i]}: \\d thread\\(s\\) on`))),
    );
    return started;
  }

  killAll(): void {
    for (const p of this.all.splice(0)) if (p.exitCode === null) p.kill("SIGKILL");
  }

  /** The last lines each process printed, for a failed test's report. */
  tails(lines = 15): string {
    return this.all
      .map(
        (p) =>
          `--- ${commandOf(p)} (pid ${p.pid}, exit ${p.exitCode ?? "-"})\n${p.output().split("\n").slice(-lines).join("\n")}`,
      )
      .join("\n");
  }
}

/**
 * A test file's lab, torn down after each test: the `mtl` processes it started (SIGKILLed), its
 * nats-server (stopped) and its folders (removed); a failed test first prints each process's
 * last lines. Call once at the top of a file (it registers the afterEach).
 */
export function useLab(prefix = "mtl-e2e-") {
  let server: NatsServer | undefined;
  const procs = new Processes();
  const cleanups: (() => void)[] = [];
  afterEach(async (context) => {
    if (context.task.result?.state === "fail") process.stderr.write(`${procs.tails()}\n`);
    procs.killAll();
    await server?.stop();
    server = undefined;
    for (const c of cleanups.splice(0)) c();
  });
  /** A fresh folder and the results file to use in it. */
  const folder = () => {
    const tmp = tempDir(prefix);
    cleanups.push(tmp.cleanup);
    return { dir: tmp.dir, db: join(tmp.dir, "results.db") };
  };
  return {
    procs,
    folder,
    /** A fresh folder and a nats-server of this test's own (started with `args`). */
    async withNats(args: string[] = []) {
      server = await startNatsServer({ args });
      return { ...folder(), url: server.url, server };
    },
    /** Removes `dir`-like things made outside `folder()` after the test. */
    onCleanup: (c: () => void) => cleanups.push(c),
  };
}

/** Reads the results file (read-only) once it exists; undefined while it is not readable yet. */
export function read<T>(db: string, f: (s: Store) => T): T | undefined {
  let store: Store;
  try {
    store = new Store(db, { readonly: true });
  } catch {
    return undefined;
  }
  try {
    return f(store);
  } catch {
    return undefined; // not migrated yet
  } finally {
    store.close();
  }
}

/** Polls the results file until `f` returns something truthy: other processes write it. */
export async function until<T>(
  db: string,
  f: (s: Store) => T | undefined | false,
  what: string,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = read(db, f);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What a sweep's data-safety check counted (the figures a fault test reports). */
export interface Soundness {
  trials: number;
  attempts: number;
  /** Trials without their result (each counted before the assertion that it is 0). */
  resultsLost: number;
  /** Results recorded more than once. */
  duplicated: number;
  /** Epochs of kept results missing from the store. */
  epochsMissing: number;
  /** Attempts whose lease lapsed with nothing heard from them (killed workers): costs, not losses. */
  lostAttempts: number;
  /** Attempts that started after their trial was finished, told to stop at once. */
  refused: number;
  /** Results kept from a run whose lease had lapsed (adopted whole). */
  adopted: number;
}

/**
 * The data-safety invariants, checked on a finished sweep: every trial completed exactly once (one
 * completed attempt, one completion event), every completed trial has all its epochs, no trial
 * ended by a run that did not hold it (none cancelled, failed or pruned, the finishing attempt is
 * the trial's own), and no finished trial run again (what started after a trial finished was
 * refused and trained nothing).
 */
export function expectSound(
  store: Store,
  o: { sweepId?: number; trials: number; epochs: number },
): Soundness {
  const sweepId = o.sweepId ?? 1;
  const trials = store.trialsOf(sweepId);
  expect(trials.map((t) => `${t.number}:${t.state}`)).toEqual(trials.map((t) => `${t.number}:completed`));
  expect(trials).toHaveLength(o.trials);
  const epochs = Array.from({ length: o.epochs }, (_, i) => i + 1);
  const events = store.eventsSince(0, sweepId, 100_000);
  const completions = events.filter((e) => e.kind === "trial.completed");
  // The figures first, so that a report shows them; each is then asserted to be what it must be.
  const keptEpochs = (id: number) => new Set(store.metricsOf(id).map((m) => m.epoch));
  const out: Soundness = {
    trials: trials.length,
    attempts: 0,
    resultsLost: o.trials - trials.filter((t) => t.state === "completed" && t.final).length,
    duplicated: completions.length - new Set(completions.map((e) => e.trialId)).size,
    epochsMissing: trials.reduce((n, t) => n + epochs.filter((e) => !keptEpochs(t.id).has(e)).length, 0),
    lostAttempts: 0,
    refused: 0,
    adopted: 0,
  };
  expect([out.resultsLost, out.duplicated, out.epochsMissing]).toEqual([0, 0, 0]);
  for (const t of trials) {
    const attempts = store.attemptsOf(t.id);
    out.attempts += attempts.length;
    const done = attempts.filter((a) => a.state === "completed");
    expect(
      done.map((a) => a.attempt),
      `trial ${t.number}: one completed attempt`,
    ).toEqual([t.attempt]);
    expect(done[0]?.runId, `trial ${t.number}: finished by its own attempt`).toBe(t.runId);
    expect(t.final, `trial ${t.number}: a result`).toBeTruthy();
    const kept = [...new Set(store.metricsOf(t.id).map((m) => m.epoch))].sort((a, b) => a - b);
    expect(kept, `trial ${t.number}: every epoch of the kept result`).toEqual(epochs);
    for (const a of attempts) {
      if (a.state === "lost") out.lostAttempts++;
      if (a.startedAt > (t.finishedAt ?? Number.POSITIVE_INFINITY)) {
        expect(a.state, `trial ${t.number} attempt ${a.attempt} started after it finished`).toBe("refused");
        expect(store.metricsOf(t.id, a.attempt), `trial ${t.number}: trained again`).toEqual([]);
        out.refused++;
      }
    }
  }
  expect(completions.map((e) => e.trialId).sort()).toEqual(trials.map((t) => t.id).sort());
  out.adopted = completions.filter((e) => /lease had lapsed/.test(e.message)).length;
  expect(events.filter((e) => /^trial\.(cancelled|failed|pruned)$/.test(e.kind))).toEqual([]);
  return out;
}

/** Lines a fault test prints for the record (kills survived, trials, attempts). */
export function report(what: string, figures: Record<string, number | string>): void {
  const parts = Object.entries(figures).map(([k, v]) => `${k}=${v}`);
  process.stdout.write(`[faults] ${what}: ${parts.join(" ")}\n`);
}

/**
 * A sweep over six csv files whose regression target has one row of 1e39 (Infinity in float32)
 * at a different place: where the split puts it in validation, y's val mse overflows while
 * training is untouched (the trial completes, the metric kept as data); where it is in training,
 * y's training loss is not finite (the trial fails). Returns the experiment file.
 */
export function overflowSweep(dir: string): string {
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
  return file;
}

/** The overflow sweep's outcome, checked: both cases happened, and nothing else did. */
export function checkOverflow(db: string): Record<string, number> {
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
    return { trials: 6, overflowedCompleted: overflowed.length, failedOnLoss: failed.length };
  } finally {
    store.close();
  }
}
