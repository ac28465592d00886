/**
 * The comparison of a sweep: one row per configuration (a variant: strategy, its options,
 * architecture, task weights and every swept value), seeds summarised with mean ± std and a t
 * interval, Δm% against the same seeds of its single-task baseline (`pairWithBaseline`), the sweep
 * objective (scheduler's `objectiveOf`) and the rank it gives (scheduler's `rankConfigurations`),
 * p-values against a reference row, and the Pareto front. Every view that shows a Δm% or a rank
 * (`mtl compare`, `mtl report`, the leaderboard, the dashboard) reads it from here.
 */
import {
  type ConfigSummary,
  objectiveOf,
  onParetoFront,
  rankConfigurations,
  summarizeConfigs,
  type TrialHistory,
} from "@mtl/scheduler";
import { type Direction, type Experiment, InputError, isProgramTrial, metricDirection } from "@mtl/spec";
import type { MetricColumn } from "./delta-m.ts";
import {
  type Configuration,
  configurationsOf,
  hasResult,
  pairWithBaseline,
  resultsBySeed,
} from "./pairing.ts";
import { metricOf, type TrialRecord, weightsOf } from "./records.ts";
import { holm, mean, permutationTest, type Summary, summarize, welchTTest } from "./stats.ts";
import { variantLabels } from "./variant.ts";

/** A comparison that cannot be made as asked (no completed trials, an unknown reference row, …). */
export class CompareError extends InputError {
  override name = "CompareError";
}

export type Split = "train" | "val" | "test";

/** Options of {@link compare}. */
export interface CompareOptions {
  /** A metric name to use for every task that reports it, or "all" for every reported metric. @default each task's own metric */
  metric?: string;
  /** Split the table reports and ranks on. @default the sweep objective's split */
  split?: Split;
  /** Row (label or strategy name) that p-values compare against. @default the single-task row, else "equal", else the top-ranked row */
  reference?: string;
  /** One row per configuration, or (an explicit merge) the best configuration of each strategy. @default "config" */
  by?: "config" | "strategy";
  /** Two-sample test behind the p-values. @default "welch" */
  test?: "welch" | "permutation";
  /** Confidence level of the intervals. @default 0.95 */
  level?: number;
}

/** One column's statistics in one row. */
export interface Cell extends Summary {
  /** The finite per-seed values, in seed order. */
  values: number[];
  /** Seeds whose value diverged (NaN or ±Infinity): not in `values`, not in the mean. */
  diverged: number;
  /** Two-sided p-value against the reference row (null for the reference or when undefined). */
  p: number | null;
  /** p after Holm's correction over the rows compared with the reference. */
  pHolm: number | null;
}

/** One row of the comparison: a configuration (or, with `by: "strategy"`, a strategy's best). */
export interface CompareRow {
  /** The configuration's key (spec's `configKeyOf`). */
  key: string;
  /** Unique row label, e.g. "mgda{ub=true} arch=mmoe λ=0.5/1.5". */
  label: string;
  /** The strategy, or "single-task" for a baseline. */
  method: string;
  strategyOptions: Record<string, unknown>;
  architecture: string;
  /** Task weights λ in the comparison's task order, or null when the trials carry none. */
  weights: number[] | null;
  /** The sampled parameters of the configuration. */
  params: Record<string, unknown>;
  /** Seeds with a result, in order. */
  seeds: number[];
  /** Seeds (of `seeds`) with a non-finite metric on this split: shown as diverged, not dropped. */
  diverged: number[];
  /** Trials behind the row. */
  trialIds: number[];
  /** Configurations the row stands for (more than 1 only when merged by strategy). */
  candidates: number;
  /** Aligned with {@link Comparison.columns}. */
  cells: Cell[];
  /** Δm% over the seeds paired with the same seeds of the baseline; null without a baseline. */
  deltaM: Cell | null;
  /** Seeds left out of Δm%: no baseline result for that seed. */
  unpaired: number[];
  /** The objective (mean over seeds with a finite value), one value per objective name; null when none. */
  objective: number[] | null;
  /** 1 = best by the objective; null for baselines and for rows without an objective value. */
  rank: number | null;
  onParetoFront: boolean;
  isReference: boolean;
  isBaseline: boolean;
}

/** A trial the comparison does not use, and why. */
export interface LeftOut {
  id: number;
  number: number | null;
  seed: number;
  /** The label of its configuration. */
  label: string;
  state: string;
  reason: string;
}

/** The structured result that every renderer formats. */
export interface Comparison {
  split: Split;
  by: "config" | "strategy";
  tasks: string[];
  columns: MetricColumn[];
  /** The sweep objective rows are ranked by, on `split`. */
  objective: { names: string[]; directions: Direction[] };
  rows: CompareRow[];
  /** Label of the reference row, or null when there is only one row. */
  reference: string | null;
  /** True when single-task runs exist and Δm% was computed. */
  hasBaseline: boolean;
  test: "welch" | "permutation";
  level: number;
  /** Trials left out, by state. */
  excluded: Record<string, number>;
  /** Every trial left out, with the reason. */
  leftOut: LeftOut[];
  /** Things the reader must know (merges, missing baselines, divergence, …). */
  notes: string[];
}

/** The experiment with another objective split: the objective's definition, read on `split`. */
export function onSplit(experiment: Experiment, split: Split): Experiment {
  return {
    ...experiment,
    sweep: { ...experiment.sweep, objective: { ...experiment.sweep.objective, split } },
  };
}

/**
 * Builds the comparison of a sweep's trials; `experiment` is the sweep's (its objective ranks the
 * rows). Throws CompareError for impossible requests.
 */
export function compare(
  trials: readonly TrialRecord[],
  experiment: Experiment,
  options: CompareOptions = {},
): Comparison {
  const by = options.by ?? "config";
  const testName = options.test ?? "welch";
  const level = options.level ?? 0.95;
  const split = options.split ?? experiment.sweep.objective.split;
  const objective = objectiveOf(onSplit(experiment, split));
  const notes: string[] = [];
  const tasks = experiment.tasks.map((t) => t.name);

  const configs = configurationsOf(trials);
  const byKey = new Map(configs.map((c) => [c.key, c]));
  const labels = variantLabels(configs, tasks);
  const excluded: Record<string, number> = {};
  const leftOut: LeftOut[] = [];
  for (const c of configs)
    for (const t of c.trials)
      if (!hasResult(t)) {
        excluded[t.state] = (excluded[t.state] ?? 0) + 1;
        leftOut.push({
          id: t.id,
          number: t.number ?? null,
          seed: t.seed,
          label: labels.get(c.key)!,
          state: t.state,
          reason: reasonOf(t),
        });
      }
  const done = configs.filter((c) => resultsBySeed(c.trials).size > 0);
  if (done.length === 0) throw new CompareError("no completed trials to compare yet");
  const columns = chooseColumns(experiment, done, split, options.metric, notes);
  const hasBaseline = done.some((c) => c.isBaseline);

  let rows = done.map((c) =>
    rowOf(c, byKey, columns, split, objective, level, labels.get(c.key)!, tasks, hasBaseline),
  );
  rankRows(rows, done, objective);
  if (by === "strategy") rows = mergeByStrategy(rows, objective.names, split, notes);
  rows.sort((a, b) => order(a) - order(b) || (a.rank ?? 0) - (b.rank ?? 0) || a.label.localeCompare(b.label));

  const front = onParetoFront(
    rows,
    (r) => r.cells.map((c) => c.mean),
    columns.map((c) => c.direction),
  );
  rows.forEach((r, i) => {
    r.onParetoFront = front[i]!;
  });

  const reference = chooseReference(rows, options.reference, notes);
  if (reference) testAgainst(rows, reference, columns.length, testName);

  if (!hasBaseline)
    notes.push(
      "No single-task runs in this sweep, so there is no Δm% column: `mtl compare --with-baselines` runs them (or set `baselines: true` in the experiment and run it again).",
    );
  const unpaired = rows.filter((r) => r.unpaired.length > 0 && !r.isBaseline);
  if (hasBaseline && unpaired.length > 0)
    notes.push(
      `Δm% pairs each seed with the same seed of the row's single-task baseline; left out for want of one: ${listSome(
        unpaired.map((r) => `${r.label} (seed ${r.unpaired.join(", ")})`),
      )}.`,
    );
  const diverged = rows.filter((r) => r.diverged.length > 0);
  if (diverged.length > 0)
    notes.push(
      `Diverged (a non-finite metric on the ${split} split; counted in n, left out of means): ${listSome(
        diverged.map((r) => `${r.label} seed ${r.diverged.join(", ")}`),
      )}.`,
    );
  const fewSeeds = rows.filter((r) => r.seeds.length < 2).map((r) => r.label);
  if (fewSeeds.length > 0)
    notes.push(`One seed only for ${listSome(fewSeeds, ", ")}: no spread, interval or p-value there.`);

  return {
    split,
    by,
    tasks,
    columns,
    objective: { names: objective.names, directions: objective.directions },
    rows,
    reference,
    hasBaseline,
    test: testName,
    level,
    excluded,
    leftOut,
    notes,
  };
}

/** Items a note names one by one (a sweep can have thousands of rows; the rows themselves say the rest). */
const NOTE_ITEMS = 12;

function listSome(items: readonly string[], sep = "; "): string {
  const more = items.length - NOTE_ITEMS;
  return items.slice(0, NOTE_ITEMS).join(sep) + (more > 0 ? `${sep}and ${more} more` : "");
}

/** Ranked rows first (by rank), then baselines, then rows without an objective value. */
function order(r: CompareRow): number {
  return r.rank !== null ? 0 : r.isBaseline ? 1 : 2;
}

function reasonOf(t: TrialRecord): string {
  switch (t.state) {
    case "failed":
      return t.error ? `failed: ${t.error}` : "failed";
    case "pruned":
      return t.prunedEpoch ? `pruned at epoch ${t.prunedEpoch}` : "pruned";
    case "cancelled":
      return "cancelled";
    case "completed":
      return "completed without final metrics";
    default:
      return `not finished (${t.state})`;
  }
}

function rowOf(
  c: Configuration,
  byKey: ReadonlyMap<string, Configuration>,
  columns: readonly MetricColumn[],
  split: Split,
  objective: ReturnType<typeof objectiveOf>,
  level: number,
  label: string,
  tasks: readonly string[],
  hasBaseline: boolean,
): CompareRow {
  const runs = [...resultsBySeed(c.trials)].sort(([a], [b]) => a - b);
  const values = columns.map((col) => runs.map(([, t]) => metricOf(t, col.task, split, col.metric)));
  const cells = values.map((vs) => cellOf(vs, level));
  const diverged = runs
    .filter(([, t], i) => values.some((vs) => isDiverged(vs[i])) || objectiveDiverged(t, split, objective))
    .map(([seed]) => seed);
  const pairing = hasBaseline ? pairWithBaseline(c, byKey, columns, split) : undefined;
  const objValues = runs.map(([, t]) => (t.final ? objective.extract(t.final) : undefined));
  const objMeans = objective.names.map((_, i) => mean(objValues.flatMap((v) => (v ? [v[i]!] : []))));
  return {
    key: c.key,
    label,
    method: c.method,
    strategyOptions: c.config.strategy.options,
    architecture: isProgramTrial(c.config) ? `program ${c.config.program}` : c.config.model.architecture,
    weights: c.config.weights && !c.isBaseline ? weightsOf(c.config, tasks) : null,
    params: c.params,
    seeds: runs.map(([seed]) => seed),
    diverged,
    trialIds: runs.map(([, t]) => t.id),
    candidates: 1,
    cells,
    deltaM: pairing?.baseline
      ? cellOf(
          pairing.seeds.map((s) => s.value),
          level,
        )
      : null,
    unpaired: pairing?.baseline ? pairing.unpaired : pairing ? runs.map(([seed]) => seed) : [],
    objective: objMeans.every(Number.isFinite) ? objMeans : null,
    rank: null,
    onParetoFront: false,
    isReference: false,
    isBaseline: c.isBaseline,
  };
}

const isDiverged = (v: number | undefined) => v !== undefined && !Number.isFinite(v);

/** A seed whose objective could not be read because a metric of the split is not finite. */
function objectiveDiverged(t: TrialRecord, split: Split, objective: ReturnType<typeof objectiveOf>): boolean {
  if (!t.final || objective.extract(t.final)) return false;
  return Object.keys(t.final).some((task) =>
    Object.keys(t.final![task]?.[split] ?? {}).some((m) => isDiverged(metricOf(t, task, split, m))),
  );
}

/**
 * Ranks the multi-task rows by the sweep objective, exactly as the scheduler ranks
 * configurations (`summarizeConfigs` over the seeds' objective values, then `rankConfigurations`).
 */
function rankRows(
  rows: CompareRow[],
  configs: readonly Configuration[],
  objective: ReturnType<typeof objectiveOf>,
): void {
  const history: TrialHistory[] = configs
    .filter((c) => !c.isBaseline)
    .flatMap((c) =>
      [...resultsBySeed(c.trials).values()].map((t) => {
        const values = t.final ? objective.extract(t.final) : undefined;
        return {
          configKey: c.key,
          params: {},
          seed: t.seed,
          state: "completed" as const,
          ...(values ? { values } : {}),
        };
      }),
    );
  const ranked: ConfigSummary[] = rankConfigurations(
    summarizeConfigs(history),
    objective.directions,
    objective.scalar,
    objective.scalarDirection,
  );
  const rankOf = new Map(ranked.map((s, i) => [s.configKey, i + 1]));
  for (const r of rows) r.rank = rankOf.get(r.key) ?? null;
}

/**
 * `by: "strategy"`: one row per strategy, the configuration that ranks best by the objective
 * (baselines: the one with the most seeds); labelled with how many it stands for.
 */
function mergeByStrategy(
  rows: readonly CompareRow[],
  objectiveNames: readonly string[],
  split: Split,
  notes: string[],
): CompareRow[] {
  const groups = new Map<string, CompareRow[]>();
  for (const r of rows) groups.set(r.method, [...(groups.get(r.method) ?? []), r]);
  const out: CompareRow[] = [];
  for (const [method, members] of groups) {
    const best = [...members].sort(
      (a, b) =>
        (a.rank ?? Number.POSITIVE_INFINITY) - (b.rank ?? Number.POSITIVE_INFINITY) ||
        b.seeds.length - a.seeds.length,
    )[0]!;
    const label = members.length > 1 ? `${method} (best of ${members.length}: ${best.label})` : method;
    out.push({ ...best, label, candidates: members.length });
  }
  const merged = out.filter((r) => r.candidates > 1);
  if (merged.length > 0)
    notes.push(
      `Merged by strategy: each row is the strategy's best configuration by ${objectiveNames.join(", ")} on the ${split} split, the split the table reports, so those rows are optimistic; compare without --by strategy for every configuration.`,
    );
  const ranked = out.filter((r) => r.rank !== null).sort((a, b) => a.rank! - b.rank!);
  ranked.forEach((r, i) => {
    r.rank = i + 1;
  });
  return out;
}

function chooseColumns(
  experiment: Experiment,
  configs: readonly Configuration[],
  split: string,
  metric: string | undefined,
  notes: string[],
): MetricColumn[] {
  const trials = configs.flatMap((c) => [...resultsBySeed(c.trials).values()]);
  const reported = (task: string) => {
    const names = new Set<string>();
    for (const t of trials) for (const m of Object.keys(t.final?.[task]?.[split] ?? {})) names.add(m);
    return names;
  };
  const dirOf = (task: Experiment["tasks"][number], m: string): Direction =>
    m === task.metric ? task.direction : metricDirection(m);
  const cols: MetricColumn[] = [];
  for (const task of experiment.tasks) {
    const have = reported(task.name);
    if (metric === "all") {
      // The task's own metric first, then the others in a stable order.
      const names = [...have].sort(
        (a, b) => Number(b === task.metric) - Number(a === task.metric) || a.localeCompare(b),
      );
      for (const m of names) cols.push({ task: task.name, metric: m, direction: dirOf(task, m) });
    } else {
      const m = metric ?? task.metric;
      if (have.has(m)) cols.push({ task: task.name, metric: m, direction: dirOf(task, m) });
      else if (metric) notes.push(`Task ${task.name} reports no ${m} on the ${split} split; left out.`);
      else notes.push(`Task ${task.name} reports no ${m} on the ${split} split.`);
    }
  }
  if (cols.length === 0) {
    const all = new Set<string>();
    for (const task of experiment.tasks) for (const m of reported(task.name)) all.add(m);
    throw new CompareError(
      `no task reports ${metric ?? "its metric"} on the ${split} split` +
        (all.size ? `; metrics there: ${[...all].join(", ")}` : ""),
    );
  }
  return cols;
}

function chooseReference(rows: CompareRow[], wanted: string | undefined, notes: string[]): string | null {
  if (wanted !== undefined) {
    const exact = rows.find((r) => r.label === wanted);
    if (exact) return exact.label;
    const byMethod = rows.filter((r) => r.method === wanted);
    if (byMethod.length === 1) return byMethod[0]!.label;
    if (byMethod.length > 1) {
      notes.push(`Reference "${wanted}" matches several rows; using the first, ${byMethod[0]!.label}.`);
      return byMethod[0]!.label;
    }
    throw new CompareError(
      `no row "${wanted}" to compare against; rows: ${rows.map((r) => r.label).join(", ")}`,
    );
  }
  if (rows.length < 2) return null;
  const bases = rows.filter((r) => r.isBaseline);
  if (bases.length === 1) return bases[0]!.label;
  const equal = rows.filter((r) => r.method === "equal");
  if (bases.length === 0 && equal.length === 1) return equal[0]!.label;
  const ref = bases[0] ?? rows[0]!;
  notes.push(`p-values compare each row with ${ref.label}.`);
  return ref.label;
}

function testAgainst(
  rows: CompareRow[],
  reference: string,
  columns: number,
  testName: "welch" | "permutation",
) {
  const ref = rows.find((r) => r.label === reference)!;
  ref.isReference = true;
  const test = (a: number[], b: number[]) =>
    (testName === "welch" ? welchTTest(a, b) : permutationTest(a, b))?.p ?? null;
  const others = rows.filter((r) => r !== ref);
  for (let i = 0; i < columns; i++) {
    const ps = others.map((r) => test(r.cells[i]!.values, ref.cells[i]!.values));
    const adj = holm(ps);
    others.forEach((r, j) => {
      r.cells[i]!.p = ps[j]!;
      r.cells[i]!.pHolm = adj[j]!;
    });
  }
  if (ref.deltaM) {
    const ps = others.map((r) => (r.deltaM ? test(r.deltaM.values, ref.deltaM!.values) : null));
    const adj = holm(ps);
    others.forEach((r, j) => {
      if (r.deltaM) {
        r.deltaM.p = ps[j]!;
        r.deltaM.pHolm = adj[j]!;
      }
    });
  }
}

/** Statistics of the finite values; non-finite ones are counted as diverged, undefined ones skipped. */
function cellOf(values: readonly (number | undefined)[], level: number): Cell {
  const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  const diverged = values.filter(isDiverged).length;
  return { ...summarize(finite, level), values: finite, diverged, p: null, pHolm: null };
}
