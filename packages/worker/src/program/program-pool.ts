/**
 * The programs a worker registered, as an Executor: each trial of one starts the program's command
 * in a process of its own (program-executor.ts). The names are the worker's own: a trial only
 * names a program, and one this worker lacks never reaches it (its queue is not read here).
 */
import { type EpochReport, isProgramTrial, type TrialConfig, type TrialOutcome } from "@mtl/spec";
import type { CheckpointPart, Executor, RunContext, RunHandle } from "../executor.ts";
import { makeCheckpointDir, readCheckpointDir } from "./checkpoint-dir.ts";
import { programTrialOf, runProgram } from "./program-executor.ts";

export interface RegisteredProgram {
  /** argv: `["python3", "/opt/lab/train.py", "--fast"]`. */
  command: readonly string[];
  /** Working directory. @default the worker's */
  cwd?: string;
}

export class ProgramExecutor implements Executor {
  constructor(
    private readonly programs: Readonly<Record<string, RegisteredProgram>>,
    /** SIGTERM, then SIGKILL this many ms later. */
    private readonly graceMs = 10_000,
    private readonly log?: (line: string) => void,
  ) {}

  async start(): Promise<string> {
    return "program";
  }

  run(config: TrialConfig, onEpoch: (r: EpochReport) => void, context: RunContext): RunHandle {
    const program = isProgramTrial(config) ? this.programs[config.program] : undefined;
    if (!isProgramTrial(config) || !program) {
      const what = isProgramTrial(config)
        ? `program "${config.program}" is not registered`
        : "not a program's trial";
      return { outcome: Promise.reject(new Error(`${what} on this worker`)), stop: () => {} };
    }
    const tag = `trial ${context.number} (${config.program})`;
    // MTL_CHECKPOINT_DIR: filled with the checkpoint resumed from, read back at each checkpoint line
    // and once more after a stop (the program had its grace period to save in).
    // The folder's files once it completes are its kept model (`context.keep`).
    const ck = context.checkpoint;
    const keep = context.keep;
    let dir: { path: string; remove(): void } | undefined;
    try {
      dir = ck || keep ? makeCheckpointDir(context.resume ?? []) : undefined;
    } catch (error) {
      return { outcome: Promise.reject(error as Error), stop: () => {} };
    }
    let lastEpoch = Math.max(0, ...(context.resumedEpochs ?? []));
    const save = (epoch: number) => {
      if (!ck || !dir) return;
      try {
        const parts = readCheckpointDir(dir.path);
        // An empty folder is no checkpoint: a program that keeps none would "resume" from nothing.
        if (parts.length > 0) ck.onCheckpoint({ epoch, parts });
      } catch (error) {
        this.log?.(`${tag}: checkpoint folder not saved: ${(error as Error).message}`);
      }
    };
    let stopped = false;
    const run = runProgram(programTrialOf(config, { trial: context.number, attempt: context.attempt }), {
      command: program.command,
      cwd: program.cwd,
      graceMs: this.graceMs,
      onEpoch: (r) => {
        lastEpoch = Math.max(lastEpoch, r.epoch);
        onEpoch(r);
      },
      ...(this.log ? { onLog: (line: string) => this.log?.(`${tag}: ${line}`) } : {}),
      ...(dir ? { checkpointDir: dir.path, onCheckpoint: save } : {}),
      ...(context.resumedEpochs ? { reportedEpochs: context.resumedEpochs } : {}),
    });
    const backend = `program:${config.program}`;
    const outcome = run.outcome
      .then((o): TrialOutcome => {
        if (stopped) save(lastEpoch);
        else if (o.status === "completed" && keep && dir) {
          try {
            const parts = readCheckpointDir(dir.path);
            if (parts.length > 0) keep.onKept({ kind: "final", epoch: lastEpoch, parts });
          } catch (error) {
            this.log?.(`${tag}: kept files not saved: ${(error as Error).message}`);
          }
        }
        return { ...o, backend };
      })
      .finally(() => dir?.remove());
    return {
      outcome,
      stop: (reason) => {
        stopped = true;
        run.stop(reason);
      },
    };
  }

  /** A program's checkpoint is its own files: any fits (the program reads them as it sees fit). */
  async check(config: TrialConfig, parts: readonly CheckpointPart[]): Promise<string | undefined> {
    if (!isProgramTrial(config)) return "not a program's trial";
    return parts.some((p) => p.name === "trainer") ? "a built-in trial's checkpoint" : undefined;
  }

  async close(): Promise<void> {}
}
