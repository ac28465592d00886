/**
 * `pnpm bench sweep`: the sweep a user would otherwise run. The quickstart (experiments/quickstart.ts:
 * 7 strategies + single-task baselines × 5 seeds, 50 epochs, batch 32, Adam) two ways, side by side:
 * - MTL Lab: `mtl run experiments/quickstart.ts` with the built CLI (node_modules/.bin/mtl), one
 *   worker per core, into a fresh SQLite file; the metrics read back with `mtl trials --json`;
 * - Optuna 3 with SQLite storage and `n_jobs` = cores, driving a PyTorch loop
 *   (bench/python/optuna_quickstart.py) on the very rows MTL Lab trains on: this bench loads the
 *   quickstart's dataset through the trainer and writes its splits to a file the script reads.
 * Rounds alternate which side goes first (the machines are shared and noisy); every round is
 * printed with its ratio, then medians of wall time and trials/s, the median of the rounds' ratios,
 * and each side's mean final MSE (the quickstart's metric) over tasks and trials, on val and test.
 * Target (issue 19): MTL Lab ≥ 2× faster at equal accuracy; for the quickstart's loss metric, a mean
 * test MSE no more than 1% above Optuna's.
 *
 * Options: --rounds N (default 3).
 * The figures go to bench/results/sweep.json (part quickstart) at the end.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "@mtl/scheduler";
import { type BuiltinExperiment, ExperimentSpec, type FinalMetrics, SINGLE_TASK } from "@mtl/spec";
import { loadDataset } from "@mtl/trainer";
import { tempDir } from "../../test/helpers/cli.ts";
import { BLAS_INFO_PY, PYTHON, pythonEnv } from "./_python.ts";
import { type SweepFigures, type SweepSide, saveResults, startRun } from "./_results.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const EXPERIMENT = "experiments/quickstart.ts";
const MTL = join(ROOT, "node_modules/.bin/mtl");
const OPTUNA_SCRIPT = fileURLToPath(new URL("../python/optuna_quickstart.py", import.meta.url));

interface Side {
  seconds: number;
  trials: number;
  valMse: number;
  testMse: number;
  note?: string;
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function quickstart(): Promise<BuiltinExperiment> {
  // A computed path: the experiment lives outside this package's sources.
  const file = join(ROOT, EXPERIMENT);
  const mod = (await import(file)) as { default: unknown };
  return ExperimentSpec.parse(mod.default) as BuiltinExperiment;
}

/** The quickstart's splits (as the trainer loads them for every trial) and training, as JSON for Python. */
async function exportData(e: BuiltinExperiment, path: string): Promise<void> {
  const data = await loadDataset(e.dataset);
  const split = (s: typeof data.train) => ({
    n: s.n,
    x: Array.from(s.x),
    y: Object.fromEntries(
      e.tasks.map((t) => {
        const target = s.targets[t.target ?? t.name];
        if (target?.kind !== "regression") throw new Error(`task ${t.name}: expected a regression target`);
        return [t.name, Array.from(target.values)];
      }),
    ),
  });
  writeFileSync(
    path,
    JSON.stringify({
      tasks: e.tasks.map((t) => t.name),
      methods: [...e.strategies.map((s) => (typeof s === "string" ? s : s.name)), SINGLE_TASK],
      seeds: e.seeds,
      hidden: e.model.hidden,
      training: e.training,
      splits: { train: split(data.train), val: split(data.val), test: split(data.test) },
    }),
  );
}

function runMtl(db: string): Side {
  const started = performance.now();
  const run = spawnSync(MTL, ["run", EXPERIMENT, "--db", db], { cwd: ROOT, encoding: "utf8" });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`mtl run exited ${run.status}: ${run.stderr.slice(-2000)}`);
  const listed = spawnSync(MTL, ["trials", "--json", "--db", db], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (listed.status !== 0) throw new Error(`mtl trials exited ${listed.status}: ${listed.stderr}`);
  const trials = (JSON.parse(listed.stdout) as { state: string; final: FinalMetrics | null }[]).filter(
    (t) => t.state === "completed",
  );
  const mse = (split: string) =>
    mean(
      trials.map((t) =>
        mean(Object.values(t.final ?? {}).map((bySplit) => bySplit[split]?.mse ?? Number.NaN)),
      ),
    );
  return { seconds, trials: trials.length, valMse: mse("val"), testMse: mse("test") };
}

/** The Optuna study (wall time of the whole process, as `mtl run`'s), or a one-line reason why it cannot run here. */
function runOptuna(data: string, db: string, jobs: number): Side | string {
  const started = performance.now();
  const r = spawnSync(PYTHON, [OPTUNA_SCRIPT, data, db, String(jobs)], {
    encoding: "utf8",
    env: pythonEnv(),
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.error) return `optuna side skipped: ${PYTHON} not runnable (${r.error.message})`;
  const last = JSON.parse(r.stdout.trim().split("\n").pop() || "{}") as {
    missing?: string;
    seconds: number;
    trials: number;
    distinct: number;
    val_mse: number;
    test_mse: number;
    optuna: string;
    torch: string;
  };
  if (last.missing) return `optuna side skipped: ${last.missing}`;
  if (r.status !== 0) throw new Error(`optuna study exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return {
    seconds,
    trials: last.trials,
    valMse: last.val_mse,
    testMse: last.test_mse,
    note: `${last.distinct} distinct configurations, ${last.seconds.toFixed(1)} s in optimize()`,
  };
}

/** Optuna's and PyTorch's versions and torch's BLAS, as the study's process sees them. */
function pythonSide(): string {
  const r = spawnSync(
    PYTHON,
    [
      "-c",
      `${BLAS_INFO_PY}\nimport optuna, torch\nprint(f"Optuna {optuna.__version__}, PyTorch {torch.__version__}, {blas_info()}")`,
    ],
    { encoding: "utf8", env: pythonEnv() },
  );
  return r.status === 0 ? r.stdout.trim() : "";
}

export async function main(args: string[] = []): Promise<void> {
  const start = startRun(args);
  const rounds = option(args, "rounds", 3);
  const cores = availableParallelism();
  const e = await quickstart();
  const { dir, cleanup } = tempDir("mtl-bench-sweep-");
  try {
    const data = join(dir, "quickstart-data.json");
    await exportData(e, data);
    console.log(
      `quickstart: ${e.strategies.length} strategies + single-task × ${e.seeds.length} seeds, ${e.training.epochs} epochs, batch ${e.training.batchSize}; ${cores} cores; load average before ${loadavg()[0]?.toFixed(2)}`,
    );
    const py = pythonSide();
    if (py)
      console.log(`python side: ${py}; environment without the machine's OPENBLAS_*/OMP_*/MKL_* overrides`);
    const mtl: Side[] = [];
    const optuna: Side[] = [];
    let skipped: string | undefined;
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? (["mtl", "optuna"] as const) : (["optuna", "mtl"] as const);
      for (const side of order) {
        if (side === "mtl") {
          const s = runMtl(join(dir, `mtl-${r}.db`));
          mtl.push(s);
          console.log(
            `round ${r + 1} mtl run: ${s.seconds.toFixed(1)} s, ${s.trials} trials, val mse ${s.valMse.toFixed(4)}, test ${s.testMse.toFixed(4)}`,
          );
        } else if (!skipped) {
          const s = runOptuna(data, join(dir, `optuna-${r}.db`), cores);
          if (typeof s === "string") {
            skipped = s;
            console.log(s);
            continue;
          }
          optuna.push(s);
          console.log(
            `round ${r + 1} optuna:  ${s.seconds.toFixed(1)} s, ${s.trials} trials, val mse ${s.valMse.toFixed(4)}, test ${s.testMse.toFixed(4)} (${s.note})`,
          );
        }
      }
      const [m, o] = [mtl[r], optuna[r]];
      if (m && o)
        console.log(`round ${r + 1}: MTL Lab ${(o.seconds / m.seconds).toFixed(2)}× Optuna's speed`);
    }
    const summary = (name: string, sides: Side[]) => {
      const seconds = median(sides.map((s) => s.seconds));
      const trials = sides[0]?.trials ?? 0;
      console.log(
        `${name.padEnd(26)} ${seconds.toFixed(1).padStart(7)} s  ${(trials / seconds).toFixed(2).padStart(6)} trials/s  val mse ${mean(sides.map((s) => s.valMse)).toFixed(4)}  test mse ${mean(sides.map((s) => s.testMse)).toFixed(4)}`,
      );
      return { seconds, test: mean(sides.map((s) => s.testMse)) };
    };
    const side = (sides: Side[]): SweepSide => {
      const seconds = median(sides.map((s) => s.seconds));
      return {
        seconds,
        trialsPerSec: (sides[0]?.trials ?? 0) / seconds,
        valMse: mean(sides.map((s) => s.valMse)),
        testMse: mean(sides.map((s) => s.testMse)),
      };
    };
    const figures: SweepFigures = {
      rounds,
      trials: mtl[0]?.trials ?? 0,
      jobs: cores,
      optunaVersion: /Optuna (\S+),/.exec(py)?.[1] ?? null,
      mtl: side(mtl),
      optuna: null,
      ...(skipped ? { skipped } : {}),
      roundRatios: null,
      speed: null,
      quietestRound: null,
      speedTargetMet: null,
      accuracyTargetMet: null,
    };
    console.log(`\nmedian of ${rounds} rounds (mean mse over tasks, trials and rounds):`);
    const a = summary("mtl run (built CLI)", mtl);
    if (optuna.length === 0) {
      saveResults("sweep", { quickstart: figures }, start);
      return;
    }
    const b = summary(`optuna + pytorch, n_jobs=${cores}`, optuna);
    // The headline: the median of the rounds' ratios (each round's two runs are neighbours in
    // time, so the machine's drifting load cancels better than in a ratio of medians).
    const speed = median(optuna.map((o, r) => o.seconds / (mtl[r] as Side).seconds));
    console.log(`ratio of the medians: ${(b.seconds / a.seconds).toFixed(2)}×`);
    // "Equal accuracy" for a loss: MTL Lab's mean test MSE no more than 1% above Optuna's.
    const gap = (100 * (a.test - b.test)) / b.test;
    console.log(
      `MTL Lab ${speed.toFixed(2)}× Optuna's speed (median of the rounds' ratios); mean test mse ${gap >= 0 ? "+" : ""}${gap.toFixed(1)}% vs Optuna's.`,
    );
    console.log(
      `target ≥ 2× at equal accuracy (test mse at most 1% worse): speed ${speed >= 2 ? "met" : "missed"}, accuracy ${gap <= 1 ? "met" : "missed"}`,
    );
    const ratios = optuna.map((o, r) => o.seconds / (mtl[r] as Side).seconds);
    const quietest = optuna
      .map((o, r) => ({ mtlSeconds: (mtl[r] as Side).seconds, optunaSeconds: o.seconds }))
      .reduce((q, x) => (x.mtlSeconds + x.optunaSeconds < q.mtlSeconds + q.optunaSeconds ? x : q));
    saveResults(
      "sweep",
      {
        quickstart: {
          ...figures,
          optuna: side(optuna),
          roundRatios: [Math.min(...ratios), Math.max(...ratios)],
          speed,
          ratioOfMedians: b.seconds / a.seconds,
          quietestRound: quietest,
          testMseGapPercent: gap,
          speedTargetMet: speed >= 2,
          accuracyTargetMet: gap <= 1,
        } satisfies SweepFigures,
      },
      start,
    );
  } finally {
    cleanup();
  }
}
