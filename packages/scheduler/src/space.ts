/**
 * The experiment's search space, analysed once: which keys every trial has, which exist only for
 * one strategy (conditional parameters), and where each key lands in the trial's config.
 */
import type { Experiment, Param, StrategyInfo, StrategyRef } from "@mtl/spec";
import { SearchSpaceError } from "./errors.ts";

/** A search-space parameter with its key. */
export type Dim = Param & { key: string };

/** What the planner may know of a strategy: how it treats task weights (see `StrategyInfo`). */
export type StrategyLookup = (name: string) => Pick<StrategyInfo, "taskWeights"> | undefined;

/**
 * Whether a strategy reads the trial's task weights λ. A strategy the lookup does not know is
 * assumed to (planning a λ it ignores wastes trials; dropping one it reads would lose a result).
 */
export function readsTaskWeights(name: string, lookup: StrategyLookup | undefined): boolean {
  return lookup?.(name)?.taskWeights !== "ignored";
}

/** One entry of `experiment.strategies` with the parameters that exist only for it. */
export interface Arm {
  /** The strategy's name, or `name#i` (1-based occurrence) when the name is listed twice. */
  label: string;
  ref: StrategyRef;
  /**
   * Parameters only this arm's trials have: `<strategy>.<option>` keys, and the task-weight keys
   * when some other strategy of the experiment ignores task weights.
   */
  conditional: Dim[];
  /** Whether its trials carry task weights (false for strategies that ignore them). */
  usesWeights: boolean;
}

export interface Space {
  /** Parameters every (non-baseline) trial has, in the experiment's key order. */
  common: Dim[];
  arms: Arm[];
}

/** Space keys that land in `config.training`. */
export const TRAINING_KEYS = ["learningRate", "batchSize", "epochs", "optimizer", "weightDecay"] as const;
/** Space keys that land in `config.model` itself (any other plain key is a model option). */
export const MODEL_KEYS = ["architecture", "activation", "trunk", "hidden", "head"] as const;

/** Where a parameter key lands in a TrialConfig (see resolve.ts). */
export type KeyTarget =
  | { kind: "training"; field: (typeof TRAINING_KEYS)[number] }
  | { kind: "model"; field: (typeof MODEL_KEYS)[number] }
  | { kind: "weights" }
  | { kind: "weight"; task: string }
  | { kind: "strategy"; name: string; option: string }
  | { kind: "option"; key: string }
  | { kind: "dataset"; option: string }
  | { kind: "label" };

/**
 * Classifies a key: the fixed names first, then `weights.<task>`, `dataset.<option>`, then `<strategy>.<option>`;
 * any other key is a model option. `strategy` is reserved for the trial's strategy label.
 */
export function targetOf(key: string, strategyNames: ReadonlySet<string>): KeyTarget {
  if (key === "strategy") return { kind: "label" };
  if ((TRAINING_KEYS as readonly string[]).includes(key))
    return { kind: "training", field: key as (typeof TRAINING_KEYS)[number] };
  if ((MODEL_KEYS as readonly string[]).includes(key))
    return { kind: "model", field: key as (typeof MODEL_KEYS)[number] };
  if (key === "weights") return { kind: "weights" };
  const dot = key.indexOf(".");
  if (dot > 0) {
    const prefix = key.slice(0, dot);
    const rest = key.slice(dot + 1);
    if (prefix === "weights") return { kind: "weight", task: rest };
    if (prefix === "dataset") return { kind: "dataset", option: rest };
    if (strategyNames.has(prefix)) return { kind: "strategy", name: prefix, option: rest };
  }
  return { kind: "option", key };
}

/** Strategy labels: the name, unless it is listed more than once. */
export function strategyLabels(strategies: readonly StrategyRef[]): string[] {
  const count = new Map<string, number>();
  for (const s of strategies) count.set(s.name, (count.get(s.name) ?? 0) + 1);
  const seen = new Map<string, number>();
  return strategies.map((s) => {
    const i = (seen.get(s.name) ?? 0) + 1;
    seen.set(s.name, i);
    return count.get(s.name) === 1 ? s.name : `${s.name}#${i}`;
  });
}

/**
 * Analyses and checks `experiment.space`; throws SearchSpaceError listing every problem.
 * `strategies` tells which strategies ignore task weights: the weight keys then become
 * parameters of the other strategies only, so an ignoring strategy is planned once, not once per λ.
 */
export function analyzeSpace(experiment: Experiment, strategies?: StrategyLookup): Space {
  const names = new Set(experiment.strategies.map((s) => s.name));
  const tasks = experiment.tasks.map((t) => t.name);
  const problems: string[] = [];
  const common: Dim[] = [];
  const conditional = new Map<string, Dim[]>();
  const weighted = new Set<string>();

  for (const [key, param] of Object.entries(experiment.space)) {
    const dim = { ...param, key } as Dim;
    const target = targetOf(key, names);
    switch (target.kind) {
      case "label":
        problems.push(`space.strategy: list strategies in experiment.strategies, not in the space`);
        continue;
      case "weights":
        if (param.kind !== "simplex") problems.push(`space.weights: expected simplex(tasks, …)`);
        else for (const t of param.tasks) weighted.add(t);
        break;
      case "weight":
        if (!tasks.includes(target.task))
          problems.push(`space.${key}: expected weights.<task> with a task among ${tasks.join(", ")}`);
        if (
          param.kind === "simplex" ||
          (param.kind === "choice" && param.values.some((v) => typeof v !== "number"))
        )
          problems.push(`space.${key}: expected numbers`);
        break;
      case "strategy":
        if (param.kind === "simplex") problems.push(`space.${key}: simplex is only for the key "weights"`);
        conditional.set(target.name, [...(conditional.get(target.name) ?? []), dim]);
        continue;
      case "dataset":
        if (param.kind === "simplex") problems.push(`space.${key}: simplex is only for the key "weights"`);
        break;
      case "option":
        if (key.includes("."))
          problems.push(
            `space.${key}: "${key.split(".")[0]}" is not a strategy of this experiment (${[...names].join(", ")}); ` +
              `use <strategy>.<option> or weights.<task>`,
          );
        if (param.kind === "simplex") problems.push(`space.${key}: simplex is only for the key "weights"`);
        break;
      default:
        if (param.kind === "simplex") problems.push(`space.${key}: simplex is only for the key "weights"`);
        if (
          experiment.baselines &&
          key === "architecture" &&
          param.kind === "choice" &&
          param.values.includes("single-task")
        )
          problems.push(`space.architecture: use baselines: true rather than "single-task" in the space`);
    }
    common.push(dim);
  }
  for (const key of Object.keys(experiment.space)) {
    const t = targetOf(key, names);
    if (t.kind === "weight" && weighted.has(t.task))
      problems.push(`space.${key}: task "${t.task}" is already in space.weights`);
  }
  if (problems.length > 0)
    throw new SearchSpaceError(`invalid search space: ${problems.join("; ")}`, problems);

  const labels = strategyLabels(experiment.strategies);
  const uses = experiment.strategies.map((ref) => readsTaskWeights(ref.name, strategies));
  // Weights stay common (every trial has them) unless some strategy ignores them.
  const weightDims = uses.every(Boolean) ? [] : common.filter((d) => isWeightKey(d.key, names));
  const shared = common.filter((d) => !weightDims.includes(d));
  const arms = experiment.strategies.map((ref, i) => ({
    label: labels[i]!,
    ref,
    conditional: [...(uses[i] ? weightDims : []), ...(conditional.get(ref.name) ?? [])],
    usesWeights: uses[i]!,
  }));
  return { common: shared, arms };
}

/** Whether a space key sets task weights (`weights` or `weights.<task>`). */
export function isWeightKey(key: string, strategyNames: ReadonlySet<string>): boolean {
  const kind = targetOf(key, strategyNames).kind;
  return kind === "weights" || kind === "weight";
}

/** The dimensions a trial of `arm` has. */
export function dimsOf(space: Space, arm: Arm): Dim[] {
  return [...space.common, ...arm.conditional];
}
