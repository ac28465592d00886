/**
 * Configurations and their baselines: the one place that decides which trials form a
 * configuration and which single-task runs a configuration is measured against.
 *
 * A configuration is everything of a trial's config but its seed (spec's `configKeyOf`), so
 * `mgda` and `mgda {ub: true}`, or two architectures, are two configurations. Its baseline is the
 * single-task configuration with the same data, tasks, model and training parameters (what the
 * scheduler plans for it with `baselines: true`: spec's `baselineConfigOf`), and the design is paired: seed s of a
 * configuration is compared with seed s of its baseline.
 */
import { baselineConfigOf, canonicalJson, isSingleTask, methodOf, type TrialConfig } from "@mtl/spec";
import { deltaM, type MetricColumn } from "./delta-m.ts";
import { metricOf, type TrialRecord } from "./records.ts";

/** One configuration of a sweep: its trials in every state; seeds are replicates. */
export interface Configuration {
  /** Its trials' `configKey` (spec's `configKeyOf`, computed by the scheduler when it planned them). */
  key: string;
  /** The config of its first trial (seed aside, all its trials have the same). */
  config: TrialConfig;
  /** The sampled parameters of its first trial. */
  params: Record<string, unknown>;
  /** "single-task" for baselines, else the strategy name. */
  method: string;
  isBaseline: boolean;
  /** The key of its baseline configuration when the sweep has it; null for a baseline or without one. */
  baselineKey: string | null;
  trials: TrialRecord[];
}

/** Whether a trial has a result to analyse: completed with final metrics. */
export function hasResult(t: TrialRecord): boolean {
  return t.state === "completed" && t.final !== undefined;
}

/**
 * The text spec's `configKeyOf` hashes: the config without its seed and sampled parameters.
 * Equal texts are equal keys; matching by text spares hashing every configuration of a large sweep.
 */
export function identityText(config: TrialConfig): string {
  return canonicalJson({ ...config, seed: undefined, params: undefined });
}

/**
 * Groups trials by configuration (their `configKey`), in plan order (of each configuration's first
 * trial), and finds each one's baseline among the sweep's single-task configurations.
 */
export function configurationsOf(trials: readonly TrialRecord[]): Configuration[] {
  const byKey = new Map<string, Configuration>();
  const order = [...trials].sort((a, b) => (a.number ?? a.id) - (b.number ?? b.id));
  for (const t of order) {
    let c = byKey.get(t.configKey);
    if (!c) {
      c = {
        key: t.configKey,
        config: t.config,
        params: t.params,
        method: methodOf(t.config),
        isBaseline: isSingleTask(t.config),
        baselineKey: null,
        trials: [],
      };
      byKey.set(t.configKey, c);
    }
    c.trials.push(t);
  }
  const configs = [...byKey.values()];
  const baselines = new Map(configs.filter((c) => c.isBaseline).map((c) => [identityText(c.config), c.key]));
  if (baselines.size > 0)
    for (const c of configs)
      if (!c.isBaseline) c.baselineKey = baselines.get(identityText(baselineConfigOf(c.config))) ?? null;
  return configs;
}

/** Δm% of one seed of a configuration against the same seed of its baseline. */
export interface SeedDelta {
  seed: number;
  /** Non-finite when a metric diverged; undefined when one was not reported. */
  value: number | undefined;
}

/** A configuration paired with its baseline. */
export interface Pairing {
  /** The baseline configuration, when the sweep has it. */
  baseline: Configuration | undefined;
  /** One per seed that both have results for, in seed order. */
  seeds: SeedDelta[];
  /** Seeds with a result whose baseline run of the same seed has none. */
  unpaired: number[];
}

/**
 * THE Δm% pairing: each seed of `c` against the same seed of its baseline, on `columns` of
 * `split` (formula: `deltaM`). A baseline is paired with itself (Δm% = 0 for every seed).
 */
export function pairWithBaseline(
  c: Configuration,
  byKey: ReadonlyMap<string, Configuration>,
  columns: readonly MetricColumn[],
  split: string,
): Pairing {
  const baseline = c.isBaseline ? c : c.baselineKey ? byKey.get(c.baselineKey) : undefined;
  const mine = resultsBySeed(c.trials);
  const theirs = baseline ? resultsBySeed(baseline.trials) : new Map<number, TrialRecord>();
  const seeds: SeedDelta[] = [];
  const unpaired: number[] = [];
  for (const [seed, t] of [...mine].sort(([a], [b]) => a - b)) {
    const b = theirs.get(seed);
    if (!b) {
      unpaired.push(seed);
      continue;
    }
    const m = columns.map((col) => metricOf(t, col.task, split, col.metric));
    const base = columns.map((col) => metricOf(b, col.task, split, col.metric));
    const missing = [...m, ...base].some((v) => v === undefined);
    seeds.push({ seed, value: missing ? undefined : deltaM(m as number[], base as number[], columns) });
  }
  return { baseline, seeds, unpaired };
}

/** A configuration's trials with results, one per seed (the latest when a seed repeats). */
export function resultsBySeed(trials: readonly TrialRecord[]): Map<number, TrialRecord> {
  const out = new Map<number, TrialRecord>();
  for (const t of trials) if (hasResult(t)) out.set(t.seed, t);
  return out;
}
