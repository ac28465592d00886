import { columnFormat, fmtDuration, strategyLabel } from "@mtl/analysis";
import { InputError, isSingleTask } from "@mtl/spec";
import { type MetricRow, Store, type TrialRow } from "@mtl/store";
import type { Command } from "commander";
import { DEFAULT_DB, positiveInt } from "../cli-values.ts";
import { userPath } from "../load-experiment.ts";
import { describeParams } from "../params-text.ts";
import { renderListing } from "../table.ts";
import { commandOf } from "./index.ts";

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

/** A trial's task weights λ as stored per epoch (the latest attempt's), and the last epoch's as the final ones. */
export interface TaskWeights {
  /** λ of the last epoch trained, or null when no epoch was recorded. */
  final: Record<string, number> | null;
  epochs: { epoch: number; weights: Record<string, number> }[];
}

/** Groups a trial's stored "weight" metrics by epoch. */
export function taskWeightsOf(metrics: readonly MetricRow[]): TaskWeights {
  const byEpoch = new Map<number, Record<string, number>>();
  for (const m of metrics) {
    if (m.name !== "weight") continue;
    const w = byEpoch.get(m.epoch) ?? {};
    w[m.task] = m.value;
    byEpoch.set(m.epoch, w);
  }
  const epochs = [...byEpoch].sort(([a], [b]) => a - b).map(([epoch, weights]) => ({ epoch, weights }));
  return { final: epochs.at(-1)?.weights ?? null, epochs };
}

export function trialJson(t: TrialRow, weights: TaskWeights) {
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
    /** λ per epoch as trained (adaptive strategies change them) and the last epoch's. */
    weights,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
  };
}

export function register(program: Command): void {
  commandOf(program, "trials")
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
          const json = trials.map((t) => trialJson(t, taskWeightsOf(store.metricsOf(t.id))));
          process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
          return;
        }
        // One decimals setting for the whole column, so the values line up digit by digit.
        const objective = columnFormat(trials.flatMap((t) => t.objective ?? []));
        const rows = trials.map((t) => [
          t.number,
          t.state,
          // With its options (mgda{ub=true}), as the dashboard and compare label it.
          strategyLabel({ config: t.config, method: t.method, isBaseline: isSingleTask(t.config) }),
          t.seed,
          describeParams(t.params) || "—",
          t.objective ? t.objective.map((v) => objective(v)).join(", ") : "—",
          fmtDuration(t.startedAt && t.finishedAt ? t.finishedAt - t.startedAt : null),
          t.backend ?? "—",
        ]);
        process.stdout.write(`sweep ${sweep.id} · ${sweep.name} · ${sweep.status}\n`);
        process.stdout.write(
          `${renderListing(["#", "state", "method", "seed", "params", "objective", "time", "backend"], rows)}\n`,
        );
      } finally {
        store.close();
      }
    });
}
