/**
 * From sampled parameters to a self-contained TrialConfig. The key → config mapping:
 *
 * | key                                   | lands in                                                     |
 * |---------------------------------------|--------------------------------------------------------------|
 * | `strategy` (set by the sampler)       | `config.strategy`: that entry of `experiment.strategies`      |
 * | `learningRate`, `batchSize`, `epochs`, `optimizer`, `weightDecay` | `config.training.<key>`            |
 * | `weights` (simplex)                   | `config.weights` (Σλ = number of tasks in the simplex)        |
 * | `weights.<task>`                      | `config.weights[task]`                                       |
 * | `architecture`, `activation`, `trunk` | `config.model.<key>`                                          |
 * | `hidden`, `head`                      | `config.model.<key>`: a number w repeats w for the experiment's depth (at least 1); a string "128,64" or an array gives the widths |
 * | `dataset.<option>`                    | `config.dataset.options[option]` (e.g. the task correlation p) |
 * | `<strategy>.<option>`                 | `config.strategy.options[option]`, only on that strategy's trials |
 * | anything else                         | `config.model.options[key]`                                   |
 *
 * Weights apply to every strategy: the "fixed" strategy trains with them; adaptive strategies
 * start from them (or scale by them) where the strategy defines that. Tasks left out of the
 * weights keep λ = 1 (absent = 1).
 */
import {
  BASELINE_STRATEGY,
  type Experiment,
  formatIssues,
  type ParamValue,
  SINGLE_TASK,
  TrialConfig,
} from "@mtl/spec";
import { SearchSpaceError } from "./errors.ts";
import { strategyLabels, targetOf } from "./space.ts";

/** Builds and validates the config of a trial. Throws SearchSpaceError when a value does not fit. */
export function resolveConfig(
  experiment: Experiment,
  params: Record<string, ParamValue>,
  seed: number,
): TrialConfig {
  const names = new Set(experiment.strategies.map((s) => s.name));
  const labels = strategyLabels(experiment.strategies);
  const label = params.strategy;
  const at = labels.indexOf(String(label));
  const baseline = experiment.kind === "program" ? SINGLE_TASK : BASELINE_STRATEGY;
  const ref =
    at >= 0 ? experiment.strategies[at]! : label === baseline ? { name: baseline, options: {} } : undefined;
  if (ref === undefined)
    throw new SearchSpaceError(`unknown strategy "${String(label)}" (${labels.join(", ")})`);

  const training: Record<string, unknown> = { ...experiment.training };
  // A program's trials carry the model and data settings in `params` alone: the program reads them.
  const builtin = experiment.kind === "builtin" ? experiment : undefined;
  const model: Record<string, unknown> = builtin
    ? { ...builtin.model, options: { ...builtin.model.options } }
    : { options: {} };
  const options: Record<string, unknown> = { ...ref.options };
  const datasetOptions: Record<string, unknown> = { ...builtin?.dataset.options };
  // A program's own dataset and model, when the experiment gives them: data it reads.
  const settings: Record<string, unknown> =
    experiment.kind === "program"
      ? {
          ...(experiment.dataset ? { dataset: experiment.dataset } : {}),
          ...(experiment.model ? { model: experiment.model } : {}),
        }
      : {};
  let weights: Record<string, number> | undefined;

  for (const [key, value] of Object.entries(params)) {
    const target = targetOf(key, names);
    switch (target.kind) {
      case "label":
        break;
      case "training":
        training[target.field] = value;
        break;
      case "model":
        if (!builtin) {
          // A program's baseline is told by its strategy ("single-task"), not by a setting.
          if (!(target.field === "architecture" && value === SINGLE_TASK)) settings[key] = value;
          break;
        }
        model[target.field] =
          target.field === "hidden" || target.field === "head"
            ? widths(key, value, builtin.model[target.field].length)
            : value;
        break;
      case "weights":
        weights = { ...weights, ...(value as Record<string, number>) };
        break;
      case "weight":
        weights = { ...weights, [target.task]: value as number };
        break;
      case "strategy":
        // Conditional parameters: only the named strategy's trials carry them; ignore strays.
        if (target.name === ref.name) options[target.option] = value;
        break;
      case "dataset":
        if (builtin) datasetOptions[target.option] = value;
        else settings[key] = value;
        break;
      case "option":
        if (builtin) (model.options as Record<string, unknown>)[target.key] = value;
        else settings[key] = value;
        break;
    }
  }

  const common = {
    experiment: experiment.name,
    tasks: experiment.tasks,
    strategy: { name: ref.name, options },
    training,
    ...(weights ? { weights } : {}),
    seed,
    params,
  };
  const raw = builtin
    ? { ...common, dataset: { ...builtin.dataset, options: datasetOptions }, model }
    : { ...common, program: (experiment as { program: string }).program, settings };
  const parsed = TrialConfig.safeParse(raw);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error);
    throw new SearchSpaceError(
      `parameters ${JSON.stringify(params)} give an invalid trial: ${issues.join("; ")}`,
      issues,
    );
  }
  return parsed.data;
}

function widths(key: string, value: ParamValue, depth: number): number[] {
  if (typeof value === "number") return new Array(Math.max(1, depth)).fill(value);
  if (typeof value === "string") {
    const parts = value
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")
      .map(Number);
    if (parts.every((w) => Number.isInteger(w) && w > 0)) return parts;
  }
  if (Array.isArray(value)) return value as number[];
  throw new SearchSpaceError(`space.${key}: expected a width, an array of widths or a string like "128,64"`);
}

/**
 * The parameters recorded on the single-task baseline of a trial with these parameters: the
 * training, data and model values it keeps (no weights, no strategy options), with architecture
 * "single-task" and strategy "equal" (a program's: strategy "single-task"). What the baseline
 * *is* is spec's `baselineConfigOf`; these are what tables show of it (a test checks they
 * resolve to that config), and baselines are planned once per combination of them.
 */
export function baselineParams(
  experiment: Experiment,
  params: Record<string, ParamValue>,
): Record<string, ParamValue> {
  const names = new Set(experiment.strategies.map((s) => s.name));
  const out: Record<string, ParamValue> = {
    strategy: experiment.kind === "program" ? SINGLE_TASK : BASELINE_STRATEGY,
    architecture: SINGLE_TASK,
  };
  for (const [key, value] of Object.entries(params)) {
    const t = targetOf(key, names);
    if (
      t.kind === "training" ||
      t.kind === "option" ||
      t.kind === "dataset" ||
      (t.kind === "model" && t.field !== "architecture")
    )
      out[key] = value;
  }
  return out;
}

/** Whether a history entry is a single-task baseline (see `baselineParams`). */
export function isBaseline(experiment: Experiment, params: Record<string, ParamValue>): boolean {
  return experiment.baselines && params.architecture === SINGLE_TASK;
}
