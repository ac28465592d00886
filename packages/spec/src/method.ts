/**
 * What a trial is, for grouping and comparing: a multi-task strategy, or the single-task baseline
 * (one independent model per task). The one place these names are spelled.
 */
import { isProgramTrial, type TrialConfig } from "./trial.ts";

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

/**
 * The single-task config that is the baseline of `config`: architecture "single-task", strategy
 * "equal" without options, no task weights; everything else (data, tasks, model widths and
 * options, training) the same. A program's baseline is its strategy "single-task" with the same
 * settings but its own architecture setting (one model per task, whatever the multi-task model).
 * The scheduler plans exactly these configs as baselines and the analysis pairs a configuration
 * with the baseline whose identity this gives: the one definition of "its baseline".
 */
export function baselineConfigOf(config: TrialConfig): TrialConfig {
  const { weights: _weights, ...rest } = config;
  if (isProgramTrial(config)) {
    const { architecture: _a, ...settings } = config.settings;
    return { ...rest, settings, strategy: { name: SINGLE_TASK, options: {} } } as TrialConfig;
  }
  return {
    ...rest,
    model: { ...config.model, architecture: SINGLE_TASK },
    strategy: { name: BASELINE_STRATEGY, options: {} },
  } as TrialConfig;
}
