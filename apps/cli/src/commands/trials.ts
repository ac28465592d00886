import { InputError } from "@mtl/spec";
import { Store, type TrialRow } from "@mtl/store";
import type { Command } from "commander";
import { describeParams } from "../leaderboard.ts";
import { userPath } from "../load-experiment.ts";
import { fmt, renderTable } from "../table.ts";
import { DEFAULT_DB, positiveInt } from "./run.ts";

/** Opens a results file that must already exist. */
export function openExisting(db: string): Store {
  try {
    return new Store(userPath(db), { readonly: true });
  } catch (error) {
    // A damaged or newer file says so itself, naming the file.
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot open results database ${db}: ${(error as Error).message}`);
  }
}

export function trialJson(t: TrialRow) {
  return {
    id: t.id,
    sweep: t.sweepId,
    number: t.number,
    state: t.state,
    method: t.method,
    configKey: t.configKey,
    seed: t.seed,
    params: t.params,
    config: t.config,
    attempt: t.attempt,
    worker: t.worker,
    backend: t.backend,
    epochs: t.epoch,
    prunedEpoch: t.prunedEpoch,
    error: t.error,
    objective: t.objective,
    final: t.final,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
  };
}

export function register(program: Command): void {
  program
    .command("trials")
    .description("list a sweep's trials with state, config and final per-task metrics")
    .option("--db <path>", "SQLite results file", DEFAULT_DB)
    .option("--sweep <id>", "sweep id (default: the latest)", positiveInt("--sweep"))
    .option("--json", "print JSON for scripts")
    .action((opts: { db: string; sweep?: number; json?: boolean }) => {
      const store = openExisting(opts.db);
      try {
        const sweep = opts.sweep ? store.getSweep(opts.sweep) : store.latestSweep();
        if (!sweep)
          throw new InputError(
            opts.sweep ? `no sweep ${opts.sweep} in ${opts.db}` : `no sweeps in ${opts.db}`,
          );
        const trials = store.trialsOf(sweep.id);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(trials.map(trialJson), null, 2)}\n`);
          return;
        }
        const rows = trials.map((t) => [
          t.number,
          t.state,
          t.method,
          t.seed,
          describeParams(t.params) || "–",
          t.objective ? t.objective.map((v) => fmt(v)).join(", ") : "–",
          t.backend ?? "–",
        ]);
        process.stdout.write(`sweep ${sweep.id} · ${sweep.name} · ${sweep.status}\n`);
        process.stdout.write(
          `${renderTable(["#", "state", "method", "seed", "params", "objective", "backend"], rows)}\n`,
        );
      } finally {
        store.close();
      }
    });
}
