/**
 * Where the benches' figures go: each bench, as it finishes a part of its run, writes that part's
 * figures to bench/results/<bench>.json (`saveResults`), and `pnpm bench readme` renders the
 * README's performance table from those files (`_readme-table.ts`).
 *
 * A file holds one entry per part a bench can run alone (orchestration: `noop` and `scaling`;
 * train: `mlp`, `cnn` and `fewshot`; …), each with the run that measured it (`run`: when, on how
 * many cores, the load average at its start and end, the bench's arguments). A run rewrites only
 * the parts it ran: `pnpm bench orchestration --only-scaling` keeps the last `noop` figures.
 *
 * The shapes below are what the benches write and the README's rows read: the figures a row
 * needs (required), the targets' met/missed, and some of what the bench prints besides (optional).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** bench/results/. */
export const RESULTS_DIR = fileURLToPath(new URL("../results/", import.meta.url));

/** The run a part's figures come from. */
export interface RunInfo {
  /** When the part finished, ISO 8601 (a date alone in transcribed results). */
  measuredAt: string;
  cores: number;
  /** The 1-minute load average when the part started and when it finished; null: not recorded. */
  loadStart: number | null;
  loadEnd: number | null;
  /** The bench's arguments; null: not recorded. */
  args: string[] | null;
  /** Figures copied by hand from the README's table, not written by a run. */
  transcribed?: boolean;
  /** Transcribed only: how the README described the machine ("quiet machine", "under load"). */
  machine?: string;
}

/**
 * A figure: a number, or a range [low, high] over several runs. Only transcribed results hold
 * ranges (the README gave ranges over runs); a run writes numbers.
 */
export type Fig = number | [number, number];

/** One part of a bench's results: its figures and the run that measured them. */
export type Part<F extends object = Record<string, unknown>> = F & { run: RunInfo };

/** A bench's results file: its parts by name. */
export type Results = Record<string, Part>;

/** What a part records when it starts: its arguments and the load average then. */
export interface RunStart {
  args: string[];
  loadStart: number;
}

/** Call when a part starts; pass the result to `saveResults` when it ends. */
export function startRun(args: string[]): RunStart {
  return { args: [...args], loadStart: round(loadavg()[0] ?? 0, 2) };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The bench's results file, or undefined if it has none (or one that does not parse). */
export function readResults(bench: string, dir = RESULTS_DIR): Results | undefined {
  const file = join(dir, `${bench}.json`);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Results;
  } catch {
    return undefined;
  }
}

/** The old results with the fresh parts in place of theirs; the parts the run did not run are kept. */
export function mergeResults(old: Results | undefined, fresh: Results): Results {
  return { ...old, ...fresh };
}

/**
 * Writes `parts` (figures by part name) into bench/results/<bench>.json, each with this run's
 * `run` (measuredAt now, cores, load at `start` and now, `start`'s arguments), keeping the parts
 * already there that this run did not measure. Returns what it wrote.
 */
export function saveResults(
  bench: string,
  parts: Record<string, object>,
  start: RunStart,
  dir = RESULTS_DIR,
): Results {
  const run: RunInfo = {
    measuredAt: new Date().toISOString(),
    cores: availableParallelism(),
    loadStart: start.loadStart,
    loadEnd: round(loadavg()[0] ?? 0, 2),
    args: start.args,
  };
  const fresh: Results = Object.fromEntries(
    Object.entries(parts).map(([name, figures]) => [name, { run, ...figures }]),
  );
  const merged = mergeResults(readResults(bench, dir), fresh);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${bench}.json`), toJson(merged));
  return merged;
}

/** The biome line width: arrays of plain values go on one line when they fit, as biome formats JSON. */
const LINE_WIDTH = 110;

/** Pretty JSON as the project's formatter writes it (objects expanded, short plain arrays inline). */
export function toJson(value: unknown): string {
  return `${format(value, "", 0)}\n`;
}

function format(value: unknown, indent: string, prefix: number): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((v) => v === null || typeof v !== "object")) {
      const inline = `[${value.map((v) => JSON.stringify(v ?? null)).join(", ")}]`;
      // The line: indent and key before, a comma after.
      if (prefix + inline.length + 1 <= LINE_WIDTH) return inline;
      // Numbers that do not fit on one line fill lines, as biome fills them.
      if (value.every((v) => typeof v === "number")) {
        const lines: string[] = [];
        for (const item of value.map((v) => `${JSON.stringify(v)},`)) {
          const last = lines.length - 1;
          if (last >= 0 && inner.length + (lines[last] as string).length + 1 + item.length <= LINE_WIDTH)
            lines[last] = `${lines[last]} ${item}`;
          else lines.push(item);
        }
        const body = lines.map((l) => `${inner}${l}`).join("\n");
        return `[\n${body.slice(0, -1)}\n${indent}]`;
      }
    }
    return `[\n${value.map((v) => `${inner}${format(v, inner, inner.length)}`).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  return `{\n${entries
    .map(([k, v]) => {
      const key = `${inner}${JSON.stringify(k)}: `;
      return `${key}${format(v, inner, key.length)}`;
    })
    .join(",\n")}\n${indent}}`;
}

// ——— What each bench writes ———

/** train.json, parts `mlp` and `cnn`: one reference model, every backend and PyTorch per round. */
export interface TrainModelFigures {
  rounds?: number;
  batch: number;
  /** wasm with our kernels: median steps/s and samples/s over the rounds. */
  fast: { stepsPerSec: Fig; samplesPerSec: Fig } | null;
  /** Our kernels' steps/s over PyTorch's, per round: the lowest and the highest. */
  fastVsPytorchPerRound: [number, number] | null;
  /** wasm with tfjs's own kernels (MTL_ACCEL=off) over our kernels: median steps/s over median steps/s. */
  tfjsVsFast: Fig | null;
  /** The printed table: every contender's medians, and its ratio to PyTorch's. */
  backends?: { backend: string; stepsPerSec: number; samplesPerSec: number; vsPytorch: number | null }[];
  pytorch?: string | null;
}

/** One way of running the few-shot evaluation: median ms, × the fast kernels' time, accuracy. */
export interface FewShotMode {
  ms: Fig;
  ratio: Fig;
  accuracy?: number;
}

/** train.json, part `fewshot`. */
export interface FewShotFigures {
  tasks: number;
  rounds?: number;
  fast: FewShotMode;
  /** Fast kernels, batched products left to tfjs (as before the accel took them). */
  batchedByTfjs: FewShotMode;
  /** tfjs's own kernels (MTL_ACCEL=off). */
  tfjsKernels: FewShotMode;
  /** The three's accuracies are equal (to the 4 decimals printed). */
  sameAccuracy: boolean;
}

/** One side of the sweep bench: medians of wall time and trials/s, mean MSEs over tasks, trials, rounds. */
export interface SweepSide {
  seconds?: number;
  trialsPerSec?: number;
  valMse?: number;
  testMse: number;
}

/** sweep.json, part `quickstart`: `mtl run` against Optuna + PyTorch, side by side. */
export interface SweepFigures {
  rounds?: number;
  trials: number;
  /** Optuna's `n_jobs` (the machine's cores). */
  jobs: number;
  optunaVersion: string | null;
  mtl: SweepSide;
  optuna: SweepSide | null;
  /** Why the Optuna side did not run. */
  skipped?: string;
  /** Optuna's wall time over MTL Lab's, per round: the lowest and the highest. */
  roundRatios: [number, number] | null;
  /** The headline: the median of the rounds' ratios. */
  speed: Fig | null;
  ratioOfMedians?: number;
  /** The round with the least wall time of the two together. */
  quietestRound: { mtlSeconds: number; optunaSeconds: number } | null;
  /** MTL Lab's mean test MSE over Optuna's, in percent. */
  testMseGapPercent?: number;
  /** Target: MTL Lab ≥ 2× Optuna's speed, at a test MSE at most 1% worse. */
  speedTargetMet: boolean | null;
  accuracyTargetMet: boolean | null;
}

/** One timed sweep of no-op trials (orchestration.ts's `Figures`). */
export interface NoopFigures {
  trials?: number;
  seconds?: number;
  perSecond: Fig;
  p50: Fig;
  p99?: Fig;
}

/** orchestration.json, part `noop`: no-op trials, two workers, loaded (parallelism 64) and unloaded (2). */
export interface OrchestrationNoopFigures {
  concurrency?: number;
  embedded: { loaded: NoopFigures; unloaded?: NoopFigures };
  nats: { loaded: NoopFigures; unloaded: NoopFigures };
  /** Target: ≥ 300 trials/s over NATS, loaded. */
  natsTargetMet: boolean | null;
}

/** orchestration.json, part `scaling`: 16 CPU-bound trials on 1 and 2 bare trainers and NATS workers. */
export interface OrchestrationScalingFigures {
  rounds: number;
  trials: number;
  /** Mean trial time on one NATS worker, median over rounds (s). */
  trialSeconds: number;
  /** Medians over rounds of the 1 → 2 speed-ups, and of their quotient (NATS / bare). */
  bareSpeedup: number;
  natsSpeedup: number;
  keptShare: number;
  /** The coordinator's, workers' main threads' and nats-server's share of the two-worker run's CPU. */
  systemShare: number | null;
  /** Targets: ≥ 95% of the bare speed-up kept; the system's own processes ≤ 5% of the CPU. */
  keptTargetMet: boolean;
  systemTargetMet: boolean | null;
}

/** One method of the search bench (search.json, a part per method: `grid`, `random`, `tpe`, `asha`, …). */
export interface SearchMethodFigures {
  best?: number;
  epochs?: number;
  trials?: number;
  pruned?: number;
  failed?: number;
  seconds?: number;
  /** Against grid in the same run (the bench is seeded: runs on one machine agree). */
  vsGrid: {
    /** Best over grid's best; null: not recorded. */
    best: number | null;
    /** How its best compares with grid's (beats: above by more than 0.05%; matches: within). */
    outcome: "beats" | "matches" | "below";
    /** Epochs over grid's epochs. */
    epochs: number;
    /** asha only. Target: ≥ 99% of grid's best with ≤ 30% of its epochs. */
    targetMet?: boolean;
  } | null;
}

/** program.json, part `program`: launch to first report, by hand and through MTL Lab. */
export interface ProgramFigures {
  rounds: number;
  byHand: { bestMs: number; medianMs?: number };
  mtl: { bestMs: number; medianMs?: number };
  /** MTL Lab's best minus by hand's best (negative: faster). */
  overheadMs: number;
}

/** One model of the checkpoint bench's per-trial table. */
export interface CheckpointModelFigures {
  params?: number;
  /** Bytes of a checkpoint and of the kept weights. */
  checkpointBytes: number;
  keptBytes?: number;
  /** Median time to take one (capture, encode, SHA-256), at one an epoch. */
  msPerSave: Fig;
  wallNoneSeconds?: number;
  /** Saves, the share of the trial's wall time spent taking them, fastest wall time over none's. */
  byDefault?: { saves: number; share: number; ratio: number };
  everyEpoch?: { saves?: number; share: Fig; ratio?: number };
}

/** checkpoint.json, part `perTrial`: models `quickstart`, `mnist`, `mnist long`. */
export interface CheckpointPerTrialFigures {
  rounds?: number;
  models: Record<string, CheckpointModelFigures>;
}

/** checkpoint.json, part `sweep`: the quickstart sweep with checkpoints and kept models and without. */
export interface CheckpointSweepFigures {
  rounds: number;
  /** Medians of the wall times (ms). */
  onMs: number;
  offMs: number;
  /** on / off − 1. */
  overhead: number;
  /** Target: at most 3% more. */
  targetMet: boolean;
}

/** cli.json, part `startup`: each command's median wall time and its ratio to `node -e 0`'s. */
export interface CliStartupFigures {
  rounds: number;
  commands: { name: string; ms?: number; ratio: number; target?: number; targetMet?: boolean }[];
  /** The lowest and highest ratio of the commands run from the sources through tsx. */
  tsxRatios: [number, number] | null;
}

/** cli.json, part `dash`: `mtl dash`'s first frame with trial rows on a finished sweep. */
export interface CliDashFigures {
  trials: number;
  rounds: number;
  ms: number;
  nodeMs?: number;
  ratio: number;
  /** Target: ≤ 1 s. */
  targetMet: boolean;
}

/** scale.json, parts `embedded` and `nats`: the no-op sweeps by size, on one path. */
export interface ScaleSizesFigures {
  parallelism?: number;
  sizes: {
    trials: number;
    perSecond?: number;
    /** Coordinator CPU per trial after the first tenth of the trials (the steady cost). */
    cpuMsPerTrial: number;
    /** Coordinator CPU per trial over the whole sweep, warm-up included. */
    allCpuMsPerTrial?: number;
    /** Coordinator CPU per trial against the first size's, minus 1. */
    vsFirst: number;
    progressMsPerTrial?: number;
    peakRssMiB?: number;
    workerRssMiB?: number;
    natsRssMiB?: number;
    frameMs?: number;
    firstFrameMs?: number;
    compareMs?: number;
  }[];
  /** Target: coordinator CPU per trial within ±20% of the first size's, at every size. */
  targetMet: boolean;
}

/** One sweep of the many-workers part. */
export interface ScaleManyFigures {
  trials: number;
  trialMs: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** The coordinator's CPU as a share of one core over the run, and of all the CPU the run took. */
  coordinatorCoreShare: number;
  coordinatorAllShare?: number;
  cpuSeconds?: { coordinator: number; workers: number; nats: number | null };
}

/** scale.json, part `workers`: one coordinator against many NATS worker processes. */
export interface ScaleWorkersFigures {
  workers: number;
  noop?: ScaleManyFigures;
  sleep: ScaleManyFigures;
}
