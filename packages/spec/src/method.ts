/**
 * What a trial is, for grouping and comparing: a multi-task strategy, or the single-task baseline
 * (one independent model per task). The one place these names are spelled.
 */
import type { TrialConfig } from "./trial.ts";

/**
 * The single-task baseline: the architecture of built-in baseline trials, the method label of
 * every baseline, and the strategy name a program's baseline trials get (the program trains one
 * independent model per task when it reads it).
 */
export const SINGLE_TASK = "single-task";
/** The strategy built-in baseline trials run with: one model per task needs no weighting. */
export const BASELINE_STRATEGY = "equal";

/** The label a comparison groups by: "single-task" for baselines, else the strategy name. */
export function methodOf(config: TrialConfig): string {
  return isSingleTask(config) ? SINGLE_TASK : config.strategy.name;
}

/** Whether a trial is a single-task baseline. */
export function isSingleTask(config: TrialConfig): boolean {
  return "program" in config
    ? config.strategy.name === SINGLE_TASK
    : config.model.architecture === SINGLE_TASK;
}
