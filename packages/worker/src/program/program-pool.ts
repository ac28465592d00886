/**
 * The programs a worker registered, as an Executor: each trial of one starts the program's command
 * in a process of its own (program-executor.ts). The names are the worker's own: a trial only
 * names a program, and one this worker lacks never reaches it (its queue is not read here).
 */
import { type EpochReport, isProgramTrial, type TrialConfig, type TrialOutcome } from "@mtl/spec";
import type { Executor, RunContext, RunHandle } from "../executor.ts";
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
    const run = runProgram(programTrialOf(config, { trial: context.number, attempt: context.attempt }), {
      command: program.command,
      cwd: program.cwd,
      graceMs: this.graceMs,
      onEpoch,
      ...(this.log ? { onLog: (line: string) => this.log?.(`${tag}: ${line}`) } : {}),
    });
    const backend = `program:${config.program}`;
    return { outcome: run.outcome.then((o): TrialOutcome => ({ ...o, backend })), stop: run.stop };
  }

  async close(): Promise<void> {}
}
