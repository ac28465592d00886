/**
 * The comparison table of issue 7: one row per strategy (or strategy and task-weight setting),
 * seeds summarised with mean ± std and a t interval, Δm% against real single-task runs, a
 * p-value against a reference row, a rank, and membership of the Pareto front.
 */
import { onParetoFront } from "@mtl/scheduler";
import { type Direction, InputError, type Metric, methodOf, metricDirection, SINGLE_TASK } from "@mtl/spec";
import { deltaM, type MetricColumn } from "./delta-m.ts";
import { finalValue, type TrialRecord, tasksOf, variantKey, weightsOf } from "./records.ts";
import { averageRanks, holm, mean, permutationTest, type Summary, summarize, welchTTest } from "./stats.ts";

/** A comparison that cannot be made as asked (no completed trials, an unknown reference row, …). */
export class CompareError extends InputError {
  override name = "CompareError";
}

/** Options of {@link compare}. */
export interface CompareOptions {
  /** A metric name to use for every task that reports it, or "all" for every reported metric. @default each task's own metric */
  metric?: string;
  /** Split the table reports. @default "test" when any trial reports it, else "val" */
  split?: "test" | "val";
  /** Row (label or strategy name) that p-values compare against. @default SINGLE_TASK, else "equal", else the top-ranked row */
  reference?: string;
  /** One row per strategy, or per strategy and task-weight setting. @default "strategy" */
  by?: "strategy" | "strategy+weights";
  /** Two-sample test behind the p-values. @default "welch" */
  test?: "welch" | "permutation";
  /** Confidence level of the intervals. @default 0.95 */
  level?: number;
}

/** One column's statistics in one row. */
export interface Cell extends Summary {
  /** Per-seed values, in seed order. */
  values: number[];
  /** Two-sided p-value against the reference row (null for the reference or when undefined). */
  p: number | null;
  /** p after Holm's correction over the rows compared with the reference. */
  pHolm: number | null;
}

/** One row of the comparison. */
export interface CompareRow {
  /** Unique row label, e.g. "pcgrad" or "fixed λ(0.5,1.5)". */
  label: string;
  /** The strategy, or SINGLE_TASK for the baseline. */
  method: string;
  /** Task weights λ in the comparison's task order (rows by strategy+weights only). */
  weights?: number[];
  /** Seeds summarised. */
  seeds: number[];
  /** Trials behind the row (of the selected configuration). */
  trialIds: number[];
  /** Configurations the row's group held; when more than one, the row is the best on the val split. */
  candidates: number;
  /** Aligned with {@link Comparison.columns}. */
  cells: Cell[];
  /** Δm% over seeds (each seed's Δm% against the baseline means); null without baseline runs. */
  deltaM: Cell | null;
  /** Mean over columns of the row's rank on that column (1 = best); the rank key without Δm%. */
  meanRank: number;
  /** 1 = best; rows that tie share a rank. */
  rank: number;
  onParetoFront: boolean;
  isReference: boolean;
  isBaseline: boolean;
}

/** The structured result that every renderer formats. */
export interface Comparison {
  split: "test" | "val";
  by: "strategy" | "strategy+weights";
  tasks: string[];
  columns: MetricColumn[];
  rows: CompareRow[];
  /** Label of the reference row, or null when there is only one row. */
  reference: string | null;
  /** True when single-task runs exist and Δm% was computed. */
  hasBaseline: boolean;
  rankBy: "delta-m" | "mean-rank";
  test: "welch" | "permutation";
  level: number;
  /** Trials left out, by state (only completed trials with final metrics count). */
  excluded: Record<string, number>;
  /** Things the reader must know (selection, missing baselines, …). */
  notes: string[];
}

interface Run {
  seed: number;
  values: number[];
}

interface Variant {
  trials: TrialRecord[];
  runs: Run[];
}

/** Builds the comparison table from a sweep's trials. Throws CompareError for impossible requests. */
export function compare(trials: readonly TrialRecord[], options: CompareOptions = {}): Comparison {
  const by = options.by ?? "strategy";
  const testName = options.test ?? "welch";
  const level = options.level ?? 0.95;
  const notes: string[] = [];
  const excluded: Record<string, number> = {};
  const done = trials.filter((t) => {
    const ok = t.state === "completed" && t.final !== undefined;
    if (!ok) excluded[t.state] = (excluded[t.state] ?? 0) + 1;
    return ok;
  });
  if (done.length === 0) throw new CompareError("no completed trials to compare yet");

  const taskSpecs = tasksOf(done);
  const tasks = taskSpecs.map((t) => t.name);
  const split =
    options.split ?? (done.some((t) => Object.values(t.final!).some((s) => s.test)) ? "test" : "val");
  const columns = chooseColumns(done, taskSpecs, split, options.metric, notes);

  // Group, then pick one configuration per group.
  // Strategies run at one weight setting only keep their plain name.
  const settings = new Map<string, Set<string>>();
  for (const t of done) {
    const m = methodOf(t.config);
    settings.set(m, (settings.get(m) ?? new Set()).add(weightsOf(t, tasks).join(",")));
  }
  const groups = new Map<string, { method: string; weights?: number[]; trials: TrialRecord[] }>();
  for (const t of done) {
    const method = methodOf(t.config);
    const weights = by === "strategy+weights" && method !== SINGLE_TASK ? weightsOf(t, tasks) : undefined;
    const label =
      weights && settings.get(method)!.size > 1 ? `${method} λ(${weights.map(fmtWeight).join(",")})` : method;
    const g = groups.get(label) ?? { method, weights, trials: [] };
    g.trials.push(t);
    groups.set(label, g);
  }
  // Selection among a group's configurations happens on val (never on the reported test split).
  // The baseline group is settled first, so the others can be chosen by Δm% on val against it.
  const selectionSplit = split === "test" ? "val" : split;
  const entries = [...groups].sort(
    ([, a], [, b]) => Number(b.method === SINGLE_TASK) - Number(a.method === SINGLE_TASK),
  );
  let selectionBaseline: number[] | null = null;
  const selectedBy = new Set<string>();
  const drafts = entries.map(([label, g]) => {
    const variants = variantsOf(g.trials, columns, split);
    let chosen = variants[0]!;
    if (variants.length > 1) {
      const usable = g.method !== SINGLE_TASK && selectionBaseline !== null;
      chosen = pickVariant(variants, columns, selectionSplit, usable ? selectionBaseline : null);
      selectedBy.add(usable ? "Δm%" : "mean rank over columns");
    }
    if (g.method === SINGLE_TASK) {
      const b = columnMeans(chosen, columns, selectionSplit);
      selectionBaseline = b.every((x) => Number.isFinite(x) && x !== 0) ? b : null;
    }
    return { label, method: g.method, weights: g.weights, variants: variants.length, chosen };
  });
  if (selectedBy.size > 0)
    notes.push(
      `Rows with several configurations show the best one by ${[...selectedBy].join(" (or ")}${selectedBy.size > 1 ? ")" : ""} on the ${selectionSplit} split` +
        (selectionSplit === split
          ? " (the same split the table reports, so those rows are optimistic)."
          : "."),
    );

  // Baseline: the single-task row, if any, and complete.
  const baseDraft = drafts.find((d) => d.method === SINGLE_TASK);
  let baseline: number[] | null = null;
  if (!baseDraft) {
    notes.push(
      "No single-task runs in this sweep, so there is no Δm% column: `mtl compare --with-baselines` runs them (or set `baselines: true` in the experiment and run it again).",
    );
  } else {
    const b = columns.map((_, i) => mean(finite(baseDraft.chosen.runs.map((r) => r.values[i]!))));
    const missing = columns.filter((_, i) => !Number.isFinite(b[i]!) || b[i] === 0);
    if (missing.length > 0)
      notes.push(
        `Δm% omitted: the single-task runs lack ${missing.map((c) => `${c.task}/${c.metric}`).join(", ")}.`,
      );
    else baseline = b;
  }

  const rows: CompareRow[] = drafts.map((d) => {
    const runs = d.chosen.runs;
    const cells = columns.map((_, i) => cellOf(finite(runs.map((r) => r.values[i]!)), level));
    let dm: Cell | null = null;
    if (baseline) {
      const b = baseline;
      const perSeed = runs.map((r) => deltaM(r.values, b, columns)).filter(Number.isFinite);
      dm = cellOf(perSeed, level);
    }
    return {
      label: d.label,
      method: d.method,
      ...(d.weights ? { weights: d.weights } : {}),
      seeds: runs.map((r) => r.seed),
      trialIds: d.chosen.trials.map((t) => t.id),
      candidates: d.variants,
      cells,
      deltaM: dm,
      meanRank: Number.NaN,
      rank: 0,
      onParetoFront: false,
      isReference: false,
      isBaseline: d.method === SINGLE_TASK,
    };
  });

  // Mean rank across columns (direction-aware, ties averaged); NaN means rank last.
  const colRanks = columns.map((c, i) =>
    averageRanks(
      rows.map((r) => r.cells[i]!.mean),
      (x, y) => betterFirst(x, y, c.direction),
    ),
  );
  rows.forEach((r, j) => {
    r.meanRank = mean(colRanks.map((rk) => rk[j]!));
  });
  const rankBy = baseline ? "delta-m" : "mean-rank";
  const key = (r: CompareRow) => (rankBy === "delta-m" ? -(r.deltaM?.mean ?? Number.NaN) : r.meanRank);
  for (const r of rows) {
    const k = key(r);
    r.rank = Number.isFinite(k) ? 1 + rows.filter((o) => key(o) < k).length : rows.length;
  }
  rows.sort((a, b) => a.rank - b.rank || a.label.localeCompare(b.label));

  const front = onParetoFront(
    rows,
    (r) => r.cells.map((c) => c.mean),
    columns.map((c) => c.direction),
  );
  rows.forEach((r, i) => {
    r.onParetoFront = front[i]!;
  });

  const reference = chooseReference(rows, options.reference, notes);
  if (reference) {
    const ref = rows.find((r) => r.label === reference)!;
    ref.isReference = true;
    const test = (a: number[], b: number[]) =>
      (testName === "welch" ? welchTTest(a, b) : permutationTest(a, b))?.p ?? null;
    const others = rows.filter((r) => r !== ref);
    columns.forEach((_, i) => {
      const ps = others.map((r) => test(r.cells[i]!.values, ref.cells[i]!.values));
      const adj = holm(ps);
      others.forEach((r, j) => {
        r.cells[i]!.p = ps[j]!;
        r.cells[i]!.pHolm = adj[j]!;
      });
    });
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
  const fewSeeds = rows.filter((r) => r.seeds.length < 2).map((r) => r.label);
  if (fewSeeds.length > 0)
    notes.push(`One seed only for ${fewSeeds.join(", ")}: no spread, interval or p-value there.`);

  return {
    split,
    by,
    tasks,
    columns,
    rows,
    reference,
    hasBaseline: baseline !== null,
    rankBy,
    test: testName,
    level,
    excluded,
    notes,
  };
}

function chooseColumns(
  trials: readonly TrialRecord[],
  taskSpecs: readonly { name: string; metric: Metric; direction: Direction }[],
  split: string,
  metric: string | undefined,
  notes: string[],
): MetricColumn[] {
  const reported = (task: string) => {
    const names = new Set<string>();
    for (const t of trials) for (const m of Object.keys(t.final?.[task]?.[split] ?? {})) names.add(m);
    return names;
  };
  const dirOf = (task: (typeof taskSpecs)[number], m: string): Direction =>
    m === task.metric ? task.direction : metricDirection(m);
  const cols: MetricColumn[] = [];
  for (const task of taskSpecs) {
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
    for (const task of taskSpecs) for (const m of reported(task.name)) all.add(m);
    throw new CompareError(
      `no task reports ${metric ?? "its metric"} on the ${split} split` +
        (all.size ? `; metrics there: ${[...all].join(", ")}` : ""),
    );
  }
  return cols;
}

/** Splits a group by configuration and merges each configuration's trials per seed. */
function variantsOf(
  trials: readonly TrialRecord[],
  columns: readonly MetricColumn[],
  split: string,
): Variant[] {
  const byKey = new Map<string, TrialRecord[]>();
  for (const t of trials) {
    const k = variantKey(t.config);
    byKey.set(k, [...(byKey.get(k) ?? []), t]);
  }
  return [...byKey.values()].map((ts) => ({ trials: ts, runs: runsOf(ts, columns, split) }));
}

/**
 * One run per seed. Trials of one seed are merged column by column, which is what joins the
 * per-task single-task trials of a seed into one baseline run (and averages accidental repeats).
 */
function runsOf(trials: readonly TrialRecord[], columns: readonly MetricColumn[], split: string): Run[] {
  const seeds = [...new Set(trials.map((t) => t.seed))].sort((a, b) => a - b);
  return seeds.map((seed) => {
    const same = trials.filter((t) => t.seed === seed);
    const values = columns.map((c) => mean(finite(same.map((t) => finalValue(t, c.task, split, c.metric)))));
    return { seed, values };
  });
}

function columnMeans(v: Variant, columns: readonly MetricColumn[], split: string): number[] {
  const runs = runsOf(v.trials, columns, split);
  return columns.map((_, i) => mean(finite(runs.map((r) => r.values[i]!))));
}

/**
 * Best configuration of a group on the selection split: highest Δm% against the baseline when
 * there is one (magnitudes count), else lowest mean rank over columns.
 */
function pickVariant(
  variants: Variant[],
  columns: readonly MetricColumn[],
  split: string,
  baseline: number[] | null,
): Variant {
  const means = variants.map((v) => columnMeans(v, columns, split));
  let scores: number[];
  if (baseline) scores = means.map((m) => -deltaM(m, baseline, columns));
  else {
    const ranks = columns.map((c, i) =>
      averageRanks(
        means.map((m) => m[i]!),
        (x, y) => betterFirst(x, y, c.direction),
      ),
    );
    scores = variants.map((_, j) => mean(ranks.map((r) => r[j]!)));
  }
  let best = 0;
  variants.forEach((v, j) => {
    const s = Number.isFinite(scores[j]!) ? scores[j]! : Number.POSITIVE_INFINITY;
    const b = Number.isFinite(scores[best]!) ? scores[best]! : Number.POSITIVE_INFINITY;
    // Ties go to the configuration with more seeds: its estimate is the more reliable.
    if (s < b || (s === b && v.runs.length > variants[best]!.runs.length)) best = j;
  });
  return variants[best]!;
}

function chooseReference(rows: CompareRow[], wanted: string | undefined, notes: string[]): string | null {
  if (wanted !== undefined) {
    const exact = rows.find((r) => r.label === wanted);
    if (exact) return exact.label;
    const byMethod = rows.filter((r) => r.method === wanted);
    if (byMethod.length === 1) return byMethod[0]!.label;
    if (byMethod.length > 1) {
      notes.push(`Reference "${wanted}" matches several rows; using the top-ranked, ${byMethod[0]!.label}.`);
      return byMethod[0]!.label;
    }
    throw new CompareError(
      `no row "${wanted}" to compare against; rows: ${rows.map((r) => r.label).join(", ")}`,
    );
  }
  if (rows.length < 2) return null;
  const base = rows.find((r) => r.isBaseline);
  if (base) return base.label;
  const equal = rows.find((r) => r.method === "equal");
  if (equal) return equal.label;
  notes.push(`p-values compare each row with the top-ranked row, ${rows[0]!.label}.`);
  return rows[0]!.label;
}

function cellOf(values: number[], level: number): Cell {
  return { ...summarize(values, level), values, p: null, pHolm: null };
}

function finite(xs: readonly number[]): number[] {
  return xs.filter((x) => Number.isFinite(x));
}

/** Sort comparator putting the better value first; NaN always last. */
function betterFirst(x: number, y: number, direction: Direction): number {
  const nx = Number.isNaN(x);
  const ny = Number.isNaN(y);
  if (nx || ny) return Number(nx) - Number(ny);
  return direction === "max" ? y - x : x - y;
}

function fmtWeight(w: number): string {
  return Number.isInteger(w) ? String(w) : String(Number(w.toFixed(3)));
}
