import type { ParamValue, TrialConfig, TrialState } from "@mtl/spec";

/** One trial the sampler wants started: a configuration and one of the experiment's seeds. */
export interface PlannedTrial {
  /** Stable id of the configuration without the seed: replicates (seeds) of one config share it. */
  configKey: string;
  /**
   * The sampled values by space key, plus `strategy` (the strategy's label) on every trial, e.g.
   * `{ strategy: "gradnorm", learningRate: 0.001, weights: { a: 1.2, b: 0.8 }, "gradnorm.alpha": 1.5 }`.
   * Single-task baselines carry `architecture: "single-task"`.
   */
  params: Record<string, ParamValue>;
  /** Fully resolved and self-contained (validated with `TrialConfig`). */
  config: TrialConfig;
}

/** What the coordinator knows of every trial planned so far. */
export interface TrialHistory {
  configKey: string;
  params: Record<string, ParamValue>;
  seed: number;
  state: TrialState;
  /**
   * Objective values at the end, one per objective (several for "pareto"), exactly as returned by
   * `objectiveOf(e).extract`: raw metric values in their natural units, NOT sign-flipped; the
   * directions come from `objectiveOf(e).directions`. Undefined if none.
   */
  values?: number[];
  /** Intermediate objective values by epoch (`objectiveOf(e).extractEpoch`), for pruners and TPE. */
  curve?: { epoch: number; values: number[] }[];
}

/**
 * Plans trials. `next` is a pure function of (experiment, history): no state survives between
 * calls, so a restarted coordinator that passes the stored history gets the same plan.
 */
export interface Sampler {
  /**
   * Up to `n` new trials to start, given every trial planned so far (in plan order). Returns []
   * when the space or the budget (`sweep.maxTrials`) is exhausted.
   */
  next(n: number, history: readonly TrialHistory[]): PlannedTrial[];
  /** Total trials this sampler will plan: exact for grid, else `maxTrials` (an upper bound). */
  readonly total: number | undefined;
}

/** The trial a pruner judges: its latest epoch's scalar objective value. */
export interface PruneQuery {
  configKey: string;
  seed: number;
  /** 1-based epoch just finished. */
  epoch: number;
  value: number;
}

/**
 * Decides, after each epoch of a running trial, whether to stop it early. It judges the trial's
 * configuration (its seeds together; see by-config.ts) and remembers the configurations it
 * pruned, so that their other seeds stop at their next report: one pruner per sweep, asked about
 * every epoch. `history` builds every trial's history on demand: a pruner reads it only when the
 * epoch can prune (a rung, past the warm-up), since building it costs the coordinator a pass over
 * the sweep.
 */
export interface Pruner {
  shouldPrune(trial: PruneQuery, history: () => readonly TrialHistory[]): boolean;
}
