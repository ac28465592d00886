/**
 * What a trial is, for grouping and comparing: a multi-task strategy, or the single-task baseline
 * (one independent model per task). The one place these names are spelled.
 */
import type { TrialConfig } from "./trial.ts";

/** The architecture of single-task baselines, and the method label of their trials. */
export const SINGLE_TASK = "single-task";
/** The strategy baseline trials run with: one model per task needs no weighting. */
export const BASELINE_STRATEGY = "equal";

/** The label a comparison groups by: "single-task" for baselines, else the strategy name. */
export function methodOf(config: Pick<TrialConfig, "model" | "strategy">): string {
  return isSingleTask(config) ? SINGLE_TASK : config.strategy.name;
}

/** Whether a trial is a single-task baseline. */
export function isSingleTask(config: Pick<TrialConfig, "model">): boolean {
  return config.model.architecture === SINGLE_TASK;
}
