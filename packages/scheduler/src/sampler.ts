/**
 * The sampler driver shared by grid, random and TPE. A proposer suggests new configurations; the
 * driver turns each into one trial per seed, adds single-task baselines, and enforces the budget.
 *
 * Resume: `next(n, history)` is a function of (experiment, history) only. Every random draw comes
 * from a stream named by the sweep seed and the index of the configuration being proposed (the
 * number of non-baseline configurations already planned), and every proposer skips
 * configurations already in the history. So a coordinator that restarts and passes the stored
 * history continues the same plan, and `next(2, h)` plans what `next(1, h)` then
 * `next(1, h + that)` would (for TPE, as long as no result arrived in between).
 *
 * Extending a finished sweep: call again with a larger `sweep.maxTrials` and the old history; the
 * plan continues where it stopped (a grid ends when every point is planned).
 *
 * Budget: `maxTrials` counts trials (one per seed). Configurations are planned whole (all seeds,
 * and their baseline if one is still missing), so a sweep may stop up to one group short of
 * `maxTrials`. Defaults: every point for grid, 20 trials for random and TPE.
 */
import {
  baselineConfigOf,
  configKeyOf,
  type Experiment,
  type ParamValue,
  rngStream as stream,
  type TrialConfig,
} from "@mtl/spec";
import { enumerate, gridValues } from "./grid.ts";
import { drawConfig, finiteConfigs } from "./random.ts";
import { baselineParams, isBaseline, resolveConfig } from "./resolve.ts";
import { analyzeSpace, type Space, type StrategyLookup } from "./space.ts";
import { createTpe } from "./tpe.ts";
import type { PlannedTrial, Sampler, TrialHistory } from "./types.ts";

/** Trials planned by random and TPE sweeps without `sweep.maxTrials`. */
export const DEFAULT_MAX_TRIALS = 20;

/** What a proposer sees: the history so far, including trials planned earlier in this call. */
export interface ProposeContext {
  /** Index of the configuration being proposed: non-baseline configurations already planned. */
  index: number;
  history: readonly TrialHistory[];
  /** Whether a configuration (by its parameters) is already planned. */
  isPlanned(params: Record<string, ParamValue>): boolean;
  /** configKeys already planned, and the key of a parameter set: for proposers that scan long lists. */
  plannedKeys: { has(configKey: string): boolean };
  keyOf(params: Record<string, ParamValue>): string;
}

/** Suggests the next configuration, or undefined when the space is exhausted. */
export type Proposer = (ctx: ProposeContext) => Record<string, ParamValue> | undefined;

/** Options of {@link createSampler}. */
export interface SamplerOptions {
  /**
   * What the planner knows of each strategy (the trainer's catalog: `(name) =>
   * catalog.strategies.get(name)`). Task weights are searched only for strategies that read them;
   * a strategy it does not know is assumed to read them. @default every strategy reads them
   */
  strategies?: StrategyLookup;
}

/**
 * Creates the sampler named by `experiment.sweep.sampler`. Throws on an invalid space. Every
 * planned trial is distinct: a configuration whose resolved config equals one already planned
 * (same `configKey`) is skipped, whatever parameters produced it.
 */
export function createSampler(experiment: Experiment, options: SamplerOptions = {}): Sampler {
  const space = analyzeSpace(experiment, options.strategies);
  const keys = new KeyCache(experiment);
  const seed = experiment.sweep.seed;
  let proposer: Proposer;
  let max = experiment.sweep.maxTrials;
  switch (experiment.sweep.sampler) {
    case "grid": {
      const points = enumerate(space, (d) => gridValues(d, seed));
      proposer = firstUnplannedByKey(points);
      break;
    }
    case "random":
      proposer = randomProposer(space, seed);
      max ??= DEFAULT_MAX_TRIALS;
      break;
    case "tpe":
      max ??= DEFAULT_MAX_TRIALS;
      proposer = createTpe(experiment, space, max);
      break;
  }
  // Fail at creation, not mid-sweep, when a value cannot make a valid config.
  for (const arm of space.arms) keys.of(drawConfig({ ...space, arms: [arm] }, stream(seed, "check")));

  const sampler: Sampler = {
    total: undefined,
    next: (n, history) => plan(experiment, proposer, keys, max ?? Number.POSITIVE_INFINITY, n, history),
  };
  const total = experiment.sweep.sampler === "grid" ? sampler.next(Number.MAX_SAFE_INTEGER, []).length : max;
  return { ...sampler, total };
}

/**
 * Memoised configKey per parameter set (pure cache; resolving and hashing is the costly part).
 * `baseline`: the key of the single-task baseline of the configuration these parameters make.
 */
class KeyCache {
  private readonly cache = new Map<string, string>();
  constructor(private readonly experiment: Experiment) {}
  of(params: Record<string, ParamValue>, baseline = false): string {
    const id = `${baseline ? "b" : "c"}${JSON.stringify(params)}`;
    let key = this.cache.get(id);
    if (key === undefined) {
      key = configKeyOf(configOf(this.experiment, params, this.experiment.seeds[0]!, baseline));
      if (this.cache.size > 50_000) this.cache.clear();
      this.cache.set(id, key);
    }
    return key;
  }
}

/**
 * The config of a trial: the one these parameters resolve to or, for a baseline, spec's
 * `baselineConfigOf` of it (so the baselines planned are exactly those the analysis pairs with).
 */
function configOf(
  experiment: Experiment,
  params: Record<string, ParamValue>,
  seed: number,
  baseline: boolean,
): TrialConfig {
  const config = resolveConfig(experiment, params, seed);
  return baseline ? baselineConfigOf(config) : config;
}

function firstUnplanned(points: readonly Record<string, ParamValue>[]): Proposer {
  return (ctx) => points.find((p) => !ctx.isPlanned(p));
}

/** Like firstUnplanned, with the points' keys computed once: grids can be long. */
function firstUnplannedByKey(points: readonly Record<string, ParamValue>[]): Proposer {
  let keys: string[] | undefined;
  return (ctx) => {
    keys ??= points.map((p) => ctx.keyOf(p));
    const i = keys.findIndex((k) => !ctx.plannedKeys.has(k));
    return i >= 0 ? points[i] : undefined;
  };
}

function randomProposer(space: Space, seed: number): Proposer {
  const finite = finiteConfigs(space);
  if (finite) return firstUnplanned(stream(seed, "random-order").shuffle(finite));
  // Candidate j is fixed by (seed, j); planned ones are skipped, so the sequence never repeats.
  const candidates: Record<string, ParamValue>[] = [];
  return (ctx) => {
    for (let j = 0; j < ctx.index + 1000; j++) {
      candidates[j] ??= drawConfig(space, stream(seed, "random", j));
      if (!ctx.isPlanned(candidates[j]!)) return candidates[j];
    }
    return undefined;
  };
}

function plan(
  experiment: Experiment,
  proposer: Proposer,
  keys: KeyCache,
  maxTrials: number,
  n: number,
  history: readonly TrialHistory[],
): PlannedTrial[] {
  const out: PlannedTrial[] = [];
  const seeds = experiment.seeds;
  const all: TrialHistory[] = [...history];
  /**
   * Planned configurations: `params` as recorded on their trials (a baseline's: the sampled values
   * it keeps, `baselineParams`) and `source`, what its config is made from (a baseline's: the
   * parameters of the configuration it was planned for, or its own when read from the history).
   */
  type Group = { params: Record<string, ParamValue>; source: Record<string, ParamValue>; baseline: boolean };
  const groups = new Map<string, Group & { seeds: Set<number> }>();
  for (const h of history) {
    const g = groups.get(h.configKey);
    if (g) g.seeds.add(h.seed);
    else {
      const baseline = isBaseline(experiment, h.params);
      groups.set(h.configKey, { params: h.params, source: h.params, baseline, seeds: new Set([h.seed]) });
    }
  }
  // A live view, so proposers also see the groups planned earlier in this call.
  const groupKeys = { has: (k: string) => groups.has(k) };
  const room = () => Math.min(n - out.length, maxTrials - all.length);
  const push = (configKey: string, group: Group, seed: number) => {
    const { params } = group;
    out.push({ configKey, params, config: configOf(experiment, group.source, seed, group.baseline) });
    all.push({ configKey, params, seed, state: "queued" });
    const g = groups.get(configKey);
    if (g) g.seeds.add(seed);
    else groups.set(configKey, { ...group, seeds: new Set([seed]) });
  };
  /** Plans the seeds of a group not yet planned, as far as room allows; false when out of room. */
  const fill = (configKey: string, group: Group): boolean => {
    const have = groups.get(configKey)?.seeds;
    for (const seed of seeds) {
      if (have?.has(seed)) continue;
      if (room() <= 0) return false;
      push(configKey, group, seed);
    }
    return true;
  };
  const missing = (configKey: string) => seeds.filter((s) => !groups.get(configKey)?.seeds.has(s)).length;

  /** The baseline group of a configuration's parameters. */
  const baselineOf = (params: Record<string, ParamValue>): [string, Group] => [
    keys.of(params, true),
    { params: baselineParams(experiment, params), source: params, baseline: true },
  ];
  // 1. Finish groups a previous call started (it ran out of n mid-group).
  for (const [key, g] of [...groups]) if (!fill(key, g)) return out;
  // 2. Every configuration has its baseline.
  if (experiment.baselines)
    for (const [, g] of [...groups]) {
      if (g.baseline) continue;
      const [bkey, bg] = baselineOf(g.source);
      if (missing(bkey) > maxTrials - all.length) return out;
      if (!fill(bkey, bg)) return out;
    }
  // 3. New configurations.
  while (room() > 0) {
    const index = [...groups.values()].filter((g) => !isBaseline(experiment, g.params)).length;
    const params = proposer({
      index,
      history: all,
      isPlanned: (p) => groups.has(keys.of(p)),
      plannedKeys: groupKeys,
      keyOf: (p) => keys.of(p),
    });
    if (params === undefined) break;
    const key = keys.of(params);
    const base = experiment.baselines ? baselineOf(params) : undefined;
    const need = seeds.length + (base ? missing(base[0]) : 0);
    if (need > maxTrials - all.length) break;
    if (!fill(key, { params, source: params, baseline: false })) break;
    if (base && !fill(...base)) break;
  }
  return out;
}
