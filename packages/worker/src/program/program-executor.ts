/**
 * Runs a user's own training program for a trial: a command the worker registered under a name
 * (never one that came on the wire), launched with execa. The program gets the trial as JSON in
 * `MTL_TRIAL` (and the file `MTL_TRIAL_FILE`), reports with `@mtl {json}` lines on stdout
 * (report-line.ts), and is stopped with SIGTERM, then SIGKILL after a grace period, when the trial
 * is pruned, cancelled or interrupted.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { EpochReport, FinalMetrics, MetricPoint, ProgramTrialConfig, TrialOutcome } from "@mtl/spec";
import { execa } from "execa";
import type { StopReason } from "../protocol.ts";
import { type ProgramMetrics, parseReportLine } from "./report-line.ts";

/** The folder of `mtl_report.py`, put on the program's PYTHONPATH so that `import mtl_report` works. */
export const PYTHON_HELPER_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "python");

/** Lines of stderr kept to explain a failure. */
const STDERR_LINES = 20;

/** What the program reads from `MTL_TRIAL`. Field names are a public protocol: keep them. */
export interface ProgramTrial {
  trial: number;
  attempt: number;
  seed: number;
  /** The strategy name (data for the program), or "single-task" for a baseline run. */
  strategy: string;
  strategyOptions: Record<string, unknown>;
  /** The sampled values by space key. */
  params: Record<string, unknown>;
  /** Task → λ, when the space has task weights. */
  weights?: Record<string, number>;
  tasks: { name: string; kind: string; metric: string; direction: string }[];
  epochs: number;
  /** The experiment's training settings (epochs, batch size, optimizer, learning rate, weight decay), sampled values applied. */
  training: Record<string, unknown>;
  /** The sampled values that are the program's own settings (model, data): `hidden`, `dataset.x`, … */
  settings: Record<string, unknown>;
  experiment: string;
  /** True for `mtl check`'s short run: train briefly on a small sample if you can. */
  smoke?: boolean;
}

/** The JSON a program gets for a trial. */
export function programTrialOf(
  config: ProgramTrialConfig,
  ids: { trial: number; attempt: number },
  smoke = false,
): ProgramTrial {
  return {
    trial: ids.trial,
    attempt: ids.attempt,
    seed: config.seed,
    strategy: config.strategy.name,
    strategyOptions: config.strategy.options,
    params: config.params,
    ...(config.weights ? { weights: config.weights } : {}),
    tasks: config.tasks.map((t) => ({
      name: t.name,
      kind: t.kind,
      metric: t.metric,
      direction: t.direction,
    })),
    epochs: config.training.epochs,
    training: config.training,
    settings: config.settings,
    experiment: config.experiment,
    ...(smoke ? { smoke: true } : {}),
  };
}

export interface ProgramRunOptions {
  /** The command, as registered: `["python3", "/opt/lab/train.py", "--fast"]`. */
  command: readonly string[];
  /** Working directory of the program. @default the folder of the command's script, else cwd */
  cwd?: string;
  /** SIGTERM first; SIGKILL this many ms later if it is still running. @default 10000 */
  graceMs?: number;
  /** Extra environment. */
  env?: Record<string, string>;
  /** Each ordinary output line (the program's log). */
  onLog?: (line: string, stream: "stdout" | "stderr") => void;
  /** Each epoch the program reports, as it reports it. */
  onEpoch?: (report: EpochReport) => void;
  /** Given to the program as `MTL_CHECKPOINT_DIR`: a folder its checkpoints survive a restart in. */
  checkpointDir?: string;
  /** At each `@mtl {"checkpoint": true}`, with the last epoch reported (0 before any). */
  onCheckpoint?: (epoch: number) => void;
  /** Epochs reported before this run (a resumed checkpoint's): counted in the outcome's `epochs`. */
  reportedEpochs?: readonly number[];
}

export interface ProgramRun {
  outcome: Promise<TrialOutcome>;
  stop(reason: StopReason): void;
}

/** Metric points of one `@mtl` report. */
function pointsOf(metrics: ProgramMetrics): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const [task, splits] of Object.entries(metrics))
    for (const [split, values] of Object.entries(splits)) {
      if (split !== "train" && split !== "val" && split !== "test") continue;
      for (const [name, value] of Object.entries(values)) out.push({ task, split, name, value });
    }
  return out;
}

/** A non-finite training loss is a diverged run: the trial fails (other non-finite metrics are data). */
function divergedTask(metrics: ProgramMetrics): string | undefined {
  for (const [task, splits] of Object.entries(metrics)) {
    const loss = splits.train?.loss;
    if (loss !== undefined && !Number.isFinite(loss)) return task;
  }
  return undefined;
}

/** Starts the program for one trial. */
export function runProgram(trial: ProgramTrial, options: ProgramRunOptions): ProgramRun {
  const [file, ...args] = options.command;
  if (!file) throw new Error("empty program command");
  const dir = mkdtempSync(join(tmpdir(), "mtl-trial-"));
  const trialFile = join(dir, "trial.json");
  const json = JSON.stringify(trial);
  writeFileSync(trialFile, json);
  const pythonPath = [PYTHON_HELPER_DIR, process.env.PYTHONPATH].filter(Boolean).join(delimiter);
  const child = execa(file, args, {
    cwd: options.cwd,
    env: {
      // Python buffers stdout when it is a pipe: reports would arrive in bursts, epochs late.
      PYTHONUNBUFFERED: "1",
      ...options.env,
      MTL_TRIAL: json,
      MTL_TRIAL_FILE: trialFile,
      ...(options.checkpointDir ? { MTL_CHECKPOINT_DIR: options.checkpointDir } : {}),
      PYTHONPATH: pythonPath,
    },
    stdin: "ignore",
    reject: false,
    // Read line by line below; buffered too, a long chatty run would grow without bound.
    buffer: false,
    // A process group of its own: a stop reaches what it started (a shell wrapper, data loader
    // workers), and a Ctrl-C at the worker's terminal does not, before the worker's SIGTERM.
    detached: true,
    forceKillAfterDelay: false,
  });
  const graceMs = options.graceMs ?? 10_000;
  let stopped: StopReason | undefined;
  let failure: string | undefined;
  const stderr: string[] = [];
  /** Epochs reported with at least one metric: what the store will count for the result. */
  const reported = new Set<number>(options.reportedEpochs);
  let lastEpoch = Math.max(0, ...reported);
  let lastMetrics: ProgramMetrics | undefined;
  let final: ProgramMetrics | undefined;
  let started = performance.now();

  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  /** The program's whole process group; if the group is gone, the program itself. */
  const signal = (name: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, name);
    } catch {
      child.kill(name);
    }
  };
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const kill = () => {
    if (exited || killTimer) return;
    signal("SIGTERM");
    killTimer = setTimeout(() => signal("SIGKILL"), graceMs);
  };
  /** Epoch numbers as the store counts them, from 1: a program counting from 0 is shifted. */
  let epochShift: number | undefined;

  const stdoutDone = new Promise<void>((resolve) => {
    if (!child.stdout) return resolve();
    const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on("line", (line) => {
      const r = parseReportLine(line);
      if (r === undefined) return options.onLog?.(line, "stdout");
      if ("error" in r) {
        failure ??= r.error;
        return kill();
      }
      // Told to stop, its later reports do not count: a pruned trial ends at the epoch it was pruned.
      if (stopped && ("final" in r || "epoch" in r)) return;
      if ("final" in r) final = r.final;
      else if ("checkpoint" in r) options.onCheckpoint?.(lastEpoch);
      else if ("epoch" in r) {
        epochShift ??= r.epoch === 0 ? 1 : 0;
        const epoch = r.epoch + epochShift;
        if (epoch === 0) {
          failure ??= "@mtl line: epoch 0 after epoch numbers that started at 1";
          return kill();
        }
        const bad = divergedTask(r.metrics);
        if (bad) {
          failure ??= `non-finite training loss in task ${bad} at epoch ${epoch}`;
          return kill();
        }
        lastMetrics = r.metrics;
        const now = performance.now();
        const points = pointsOf(r.metrics);
        if (points.length > 0) reported.add(epoch);
        lastEpoch = Math.max(lastEpoch, epoch);
        options.onEpoch?.({
          epoch,
          metrics: points,
          weights: r.weights ?? {},
          wallMs: now - started,
        });
        started = now;
      }
    });
    lines.on("close", () => resolve());
  });
  // By line, as stdout: a reason written in two chunks is still one line.
  const stderrDone = new Promise<void>((resolve) => {
    if (!child.stderr) return resolve();
    const lines = createInterface({ input: child.stderr, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on("line", (line) => {
      if (line.trim() === "") return;
      stderr.push(line);
      if (stderr.length > STDERR_LINES) stderr.shift();
      options.onLog?.(line, "stderr");
    });
    lines.on("close", () => resolve());
  });

  const outcome = (async (): Promise<TrialOutcome> => {
    const result = await child;
    clearTimeout(killTimer);
    await Promise.all([stdoutDone, stderrDone]);
    rmSync(dir, { recursive: true, force: true });
    const backend = `program:${file}`;
    const finalMetrics = (final ?? lastMetrics) as FinalMetrics | undefined;
    // Epochs counted, not the last number: a program may report every other epoch.
    const base = { epochs: reported.size, backend, ...(finalMetrics ? { final: finalMetrics } : {}) };
    if (stopped === "pruned" || stopped === "cancelled") return { status: stopped, ...base };
    if (stopped === "interrupted") return { status: "cancelled", ...base };
    if (failure) return { status: "failed", error: failure, ...base };
    if (result.failed || result.exitCode !== 0) {
      const how =
        result.signal !== undefined
          ? `killed by ${result.signal}`
          : result.exitCode !== undefined
            ? `exited with code ${result.exitCode}`
            : (result.shortMessage ?? "could not start");
      const why = stderr.slice(-3).join(" | ");
      return { status: "failed", error: why ? `${how}: ${why}` : how, ...base };
    }
    if (!finalMetrics)
      return { status: "failed", error: "the program reported no metrics (@mtl lines)", ...base };
    return { status: "completed", ...base };
  })();

  return {
    outcome,
    stop(reason) {
      stopped ??= reason;
      kill();
    },
  };
}
