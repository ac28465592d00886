/** Builds the report's plots from a comparison and the trials behind it. */
import { SINGLE_TASK } from "@mtl/spec";
import type { CompareRow, Comparison } from "./compare.ts";
import type { MetricColumn } from "./delta-m.ts";
import { fmtDuration, fmtNumber } from "./format.ts";
import { importance, MIN_TRIALS_FOR_IMPORTANCE, type Scored, type SweptParam } from "./importance.ts";
import { configurationsOf } from "./pairing.ts";
import type { TrialRecord } from "./records.ts";
import { mean, sampleStd } from "./stats.ts";
import { barChart } from "./svg/bars.ts";
import { colorOf, niceTicks, type Plot } from "./svg/common.ts";
import { lineChart, type Series, smallMultiples } from "./svg/lines.ts";
import { parallelCoordinates } from "./svg/parallel.ts";
import { paretoScatter } from "./svg/scatter.ts";
import { ternaryHeatmap } from "./svg/ternary.ts";

const arrowOf = (c: MetricColumn) => (c.direction === "max" ? "↑" : "↓");
const colTitle = (c: MetricColumn) => `${c.task} ${c.metric}`;

/** The first column of each task: the one the plots use. */
export function primaryColumns(cmp: Comparison): { column: MetricColumn; index: number }[] {
  const seen = new Set<string>();
  return cmp.columns.flatMap((column, index) => {
    if (seen.has(column.task)) return [];
    seen.add(column.task);
    return [{ column, index }];
  });
}

/**
 * Pareto scatters over every pair of tasks (or the one pair asked for). `points` is the
 * comparison whose rows become points (every configuration, so the trade-off is visible).
 */
export function paretoPlots(points: Comparison, tasks?: [string, string]): Plot[] {
  const prim = primaryColumns(points);
  const pairs: [number, number][] = [];
  if (tasks) {
    const a = prim.findIndex((p) => p.column.task === tasks[0]);
    const b = prim.findIndex((p) => p.column.task === tasks[1]);
    if (a >= 0 && b >= 0 && a !== b) pairs.push([a, b]);
  } else for (let a = 0; a < prim.length; a++) for (let b = a + 1; b < prim.length; b++) pairs.push([a, b]);
  const methods = [...new Set(points.rows.map((r) => r.method))];
  // Many pairs: smaller plots, side by side.
  const width = pairs.length > 1 ? 560 : 640;
  return pairs.map(([ia, ib]) => {
    const a = prim[ia]!;
    const b = prim[ib]!;
    return paretoScatter({
      name:
        pairs.length > 1 || tasks ? `pareto-${fileSafe(a.column.task)}-${fileSafe(b.column.task)}` : "pareto",
      title: `Pareto front: ${a.column.task} vs ${b.column.task} (${points.split})`,
      xLabel: `${colTitle(a.column)} ${arrowOf(a.column)}`,
      yLabel: `${colTitle(b.column)} ${arrowOf(b.column)}`,
      xDirection: a.column.direction,
      yDirection: b.column.direction,
      width,
      points: points.rows.map((r) => ({
        label: r.label,
        group: r.method,
        color: colorOf(r.method, methods),
        x: r.cells[a.index]!.mean,
        y: r.cells[b.index]!.mean,
        xErr: r.cells[a.index]!.std,
        yErr: r.cells[b.index]!.std,
        baseline: r.isBaseline,
        // A strategy run at one setting is one point: name it before the others.
        important: r.label === r.method,
      })),
    });
  });
}

/** Rows drawn as learning curves: the best-ranked ones and the baselines, so a plot stays readable. */
export const CURVE_ROWS = 12;

/** More configurations than this on one plot become small multiples (one panel each). */
export const CURVES_ON_ONE_PLOT = 4;

/**
 * Learning curves on the val split: one figure per task; each row a line (mean over seeds, ± std
 * band) on one plot for up to four rows, else one small panel per row with the baseline dashed.
 */
export function curvePlots(cmp: Comparison, trials: readonly TrialRecord[]): Plot[] {
  const byId = new Map(trials.map((t) => [t.id, t]));
  const methods = [...new Set(cmp.rows.map((r) => r.method))];
  const ranked = cmp.rows.filter((r) => !r.isBaseline);
  const shown = ranked.slice(0, CURVE_ROWS);
  const bases = cmp.rows.filter((r) => r.isBaseline);
  const plots: Plot[] = [];
  const seriesOf = (row: CompareRow, column: MetricColumn): Series | null => {
    const perEpoch = new Map<number, number[]>();
    for (const id of row.trialIds)
      for (const p of byId.get(id)?.curves ?? [])
        if (
          p.task === column.task &&
          p.split === "val" &&
          p.name === column.metric &&
          Number.isFinite(p.value)
        )
          perEpoch.set(p.epoch, [...(perEpoch.get(p.epoch) ?? []), p.value]);
    if (perEpoch.size === 0) return null;
    const points = [...perEpoch.entries()]
      .sort(([a], [b]) => a - b)
      .map(([epoch, vs]) => {
        const m = mean(vs);
        const s = sampleStd(vs);
        return Number.isFinite(s) ? { x: epoch, y: m, lo: m - s, hi: m + s } : { x: epoch, y: m };
      });
    return { label: row.label, color: colorOf(row.method, methods), dashed: row.isBaseline, points };
  };
  // On one plot, configurations of one method (two learning rates, two baselines) would share a
  // colour and a stroke: there each line gets a colour of its own, baselines stay dashed.
  const ownColors = (series: Series[]): Series[] => {
    const counts = new Map<string, number>();
    for (const x of series) counts.set(x.color, (counts.get(x.color) ?? 0) + 1);
    if ([...counts.values()].every((n) => n === 1)) return series;
    const labels = series.map((x) => x.label);
    return series.map((x) => ({ ...x, color: colorOf(x.label, labels) }));
  };
  // Each configuration's baseline, by the one pairing (`configurationsOf` finds it).
  const baselineOf = new Map(configurationsOf(trials).map((c) => [c.key, c.baselineKey]));
  const rowByKey = new Map(cmp.rows.map((r) => [r.key, r]));
  const shownWithCurves = (column: MetricColumn) => shown.filter((r) => seriesOf(r, column) !== null);
  for (const { column } of primaryColumns(cmp)) {
    const series = shown.map((r) => seriesOf(r, column)).filter((s): s is Series => s !== null);
    const baseSeries = bases.map((r) => seriesOf(r, column)).filter((s): s is Series => s !== null);
    if (series.length + baseSeries.length === 0) continue;
    const which =
      ranked.length > shown.length
        ? `The ${CURVE_ROWS} best-ranked of ${ranked.length} configurations. `
        : "";
    const title = `Learning curves: ${column.task} (val ${column.metric} ${arrowOf(column)})`;
    const name = `curves-${fileSafe(column.task)}`;
    if (series.length > CURVES_ON_ONE_PLOT) {
      // Each panel shows its configuration's own baseline (the one its Δm% is paired with).
      const references = shownWithCurves(column).map((r) => {
        const b = baselineOf.get(r.key);
        const row = b ? rowByKey.get(b) : undefined;
        return row ? (seriesOf(row, column) ?? undefined) : undefined;
      });
      const reference = references.some((r) => r !== undefined);
      plots.push(
        smallMultiples({
          name,
          title,
          series,
          references,
          xLabel: "epoch",
          yLabel: `val ${column.metric}`,
          integerX: true,
          notes: [
            `${which}One panel per configuration, best-ranked first, on shared axes. Lines: mean over seeds; bands: ± std${reference ? "; dashed: the configuration's own single-task baseline (same data, model and training settings)" : ""}.`,
          ],
        }),
      );
    } else
      plots.push(
        lineChart({
          name,
          title,
          series: ownColors([...series, ...baseSeries]),
          xLabel: "epoch",
          yLabel: `val ${column.metric}`,
          integerX: true,
          notes: [`${which}Lines: mean over seeds; bands: ± std; dashed: single-task baselines.`],
        }),
      );
  }
  return plots;
}

/** A row's label without its task weights: the series a weight plot draws it in. */
export function withoutWeights(label: string): string {
  return label.replace(/ λ=\S+/, "");
}

/** Rows of configurations that were run at two or more weight settings, by series (label without λ). */
export function weightSweeps(byWeights: Comparison): Map<string, CompareRow[]> {
  const out = new Map<string, CompareRow[]>();
  for (const r of byWeights.rows)
    if (r.weights) {
      const series = withoutWeights(r.label);
      out.set(series, [...(out.get(series) ?? []), r]);
    }
  for (const [m, rows] of out) if (rows.length < 2) out.delete(m);
  return out;
}

/**
 * Metric against task weight: for two tasks a line over the share of weight on the first task;
 * for three a ternary heat map per method and task; more tasks are not drawn (returns a note).
 */
export function weightPlots(byWeights: Comparison): { plots: Plot[]; note?: string } {
  const sweeps = weightSweeps(byWeights);
  if (sweeps.size === 0) return { plots: [] };
  const tasks = byWeights.tasks;
  const prim = primaryColumns(byWeights);
  const methods = [...new Set(byWeights.rows.map((r) => r.method))];
  const share = (w: readonly number[]) => {
    const s = w.reduce((a, b) => a + b, 0);
    return w.map((x) => (s > 0 ? x / s : 1 / w.length));
  };
  if (tasks.length === 2) {
    const base = byWeights.rows.find((r) => r.isBaseline);
    const plots = prim.map(({ column, index }) => {
      const series: Series[] = [...sweeps].map(([name, rows]) => ({
        label: name,
        color: colorOf(rows[0]!.method, methods),
        points: rows
          .map((r) => {
            const c = r.cells[index]!;
            const x = share(r.weights!)[0]!;
            return Number.isFinite(c.std)
              ? { x, y: c.mean, lo: c.mean - c.std, hi: c.mean + c.std }
              : { x, y: c.mean };
          })
          .sort((p, q) => p.x - q.x),
      }));
      if (base && Number.isFinite(base.cells[index]!.mean)) {
        const y = base.cells[index]!.mean;
        series.push({
          label: SINGLE_TASK,
          color: colorOf(SINGLE_TASK, methods),
          dashed: true,
          points: [
            { x: 0, y },
            { x: 1, y },
          ],
        });
      }
      return lineChart({
        name: `weights-${fileSafe(column.task)}`,
        title: `${column.task} ${column.metric} ${arrowOf(column)} vs task weight (${byWeights.split})`,
        series,
        xLabel: `share of weight on ${tasks[0]}: λ_${tasks[0]} / (λ_${tasks[0]} + λ_${tasks[1]})`,
        yLabel: `${byWeights.split} ${column.metric}`,
        xDomain: [0, 1],
        markers: true,
        notes: ["Points: mean over seeds; bars: ± std."],
      });
    });
    return { plots };
  }
  if (tasks.length === 3) {
    const plots = [...sweeps].flatMap(([method, rows]) =>
      rows.length < 3
        ? []
        : prim.map(({ column, index }) =>
            ternaryHeatmap({
              name: `weights-${fileSafe(method)}-${fileSafe(column.task)}`,
              title: `${method}: ${column.task} ${column.metric} ${arrowOf(column)} over task weights (${byWeights.split})`,
              corners: [tasks[0]!, tasks[1]!, tasks[2]!],
              metricLabel: `${byWeights.split} ${column.task} ${column.metric}`,
              direction: column.direction,
              samples: rows.map((r) => {
                const w = share(r.weights!);
                return { w: [w[0]!, w[1]!, w[2]!], value: r.cells[index]!.mean, label: r.label };
              }),
            }),
          ),
    );
    return { plots };
  }
  return {
    plots: [],
    note: `Task weights vary over ${tasks.length} tasks; the weight plots cover two or three tasks only.`,
  };
}

/** A name safe in a file name and an HTML id. */
export function fileSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, "_");
}

/**
 * Optimisation history, as Optuna's: every multi-task trial's objective in the order trials
 * finished, and the best value so far as a step line; against the trial count and against the
 * time since the sweep's first trial started (when the trials carry times).
 */
export function historyPlots(scored: Scored): Plot[] {
  if (scored.trials.length < 2) return [];
  const better = (a: number, b: number) => (scored.direction === "max" ? a > b : a < b);
  const t0 = Math.min(...scored.trials.map((t) => t.startedAt ?? Number.POSITIVE_INFINITY));
  const timed = Number.isFinite(t0) && scored.trials.every((t) => t.finishedAt != null);
  const minutes = timed ? (Math.max(...scored.trials.map((t) => t.finishedAt!)) - t0) / 60_000 >= 2 : false;
  const plot = (by: "trial" | "time"): Plot => {
    const xOf = (i: number) => {
      if (by === "trial") return i + 1;
      const s = (scored.trials[i]!.finishedAt! - t0) / 1000;
      return minutes ? s / 60 : s;
    };
    const all: Series["points"][number][] = [];
    const best: Series["points"][number][] = [];
    let b = Number.NaN;
    scored.score.forEach((v, i) => {
      const t = scored.trials[i]!;
      const tip = `trial ${t.number ?? t.id} (seed ${t.seed}): ${fmtNumber(v)}${t.startedAt && t.finishedAt ? `, ${fmtDuration(t.finishedAt - t.startedAt)}` : ""}`;
      all.push({ x: xOf(i), y: v, tip });
      if (Number.isFinite(v) && (!Number.isFinite(b) || better(v, b))) b = v;
      if (Number.isFinite(b)) {
        const prev = best[best.length - 1];
        if (prev && prev.y !== b) best.push({ x: xOf(i), y: prev.y });
        best.push({ x: xOf(i), y: b });
      }
    });
    return lineChart({
      name: by === "trial" ? "history" : "history-time",
      title:
        by === "trial"
          ? "Optimisation history: objective by trial"
          : "Optimisation history: objective over time",
      series: [
        { label: "each trial", color: "#4e79a7", scatter: true, points: all },
        { label: "best so far", color: "#e15759", points: best },
      ],
      xLabel:
        by === "trial"
          ? "trials finished"
          : minutes
            ? "minutes since the first trial started"
            : "seconds since the first trial started",
      yLabel: scored.names.length === 1 ? scored.names[0]! : "objective",
      integerX: by === "trial",
      notes: [
        `Objective: ${scored.scoreLabel}, ${scored.direction === "max" ? "higher" : "lower"} is better; single-task baselines left out.`,
      ],
    });
  };
  return timed ? [plot("trial"), plot("time")] : [plot("trial")];
}

/** The method behind {@link importancePlot}, in one sentence for the report. */
export const IMPORTANCE_METHOD =
  "Importance: ε², the share of the objective's variance between the groups of one parameter's values (a one-way ANOVA; continuous values in up to five bins of equal count), each parameter on its own. Main effects only: what a parameter does through another one is not counted, so the shares need not add up to 1.";

/** Parameter importance as a bar chart (null with fewer than six trials or no swept parameter). */
export function importancePlot(scored: Scored, params: readonly SweptParam[]): Plot | null {
  // One parameter alone has nothing to be more or less important than.
  if (scored.trials.length < MIN_TRIALS_FOR_IMPORTANCE || params.length < 2) return null;
  const imp = importance(params, scored.score);
  if (imp.length === 0) return null;
  return barChart({
    name: "importance",
    title: "Parameter importance (ε², one-way variance decomposition)",
    bars: imp.map((x) => ({
      label: x.label,
      value: x.share,
      tip: `${x.label}: ε² = ${fmtNumber(x.share, 3)} over ${x.groups} groups`,
    })),
    xLabel: `share of the variance of ${scored.names.length === 1 ? scored.names[0] : "the objective"} (ε²)`,
    xDomain: [0, Math.max(0.1, ...imp.map((x) => x.share))],
    notes: [IMPORTANCE_METHOD, `${scored.trials.length} multi-task trials with an objective.`],
  });
}

/** Parallel coordinates over the swept parameters and the objective (null without two swept parameters or trials). */
export function parallelPlot(scored: Scored, params: readonly SweptParam[]): Plot | null {
  if (scored.trials.length < 2 || params.length === 0) return null;
  const objName = scored.names.length === 1 ? scored.names[0]! : "objective";
  return parallelCoordinates({
    name: "parallel",
    // Few axes need no page-wide figure.
    width: Math.min(960, 260 + 170 * params.length),
    title: "Parallel coordinates: swept parameters and the objective",
    axes: [
      ...params.map((p) =>
        p.kind === "category"
          ? {
              name: p.label,
              kind: "category" as const,
              categories: [...new Set(p.values.filter((v) => v !== null).map(String))].sort((x, y) =>
                Number.isFinite(Number(x)) && Number.isFinite(Number(y))
                  ? Number(x) - Number(y)
                  : x.localeCompare(y),
              ),
              values: p.values.map((v) => (v === null ? null : String(v))),
            }
          : { name: p.label, kind: p.kind, values: p.values.map((v) => (typeof v === "number" ? v : null)) },
      ),
      { name: objName, kind: "linear" as const, values: scored.score },
    ],
    score: scored.score,
    direction: scored.direction,
    scoreLabel: scored.scoreLabel,
    tips: scored.trials.map(
      (t, i) =>
        `trial ${t.number ?? t.id}: ${params.map((p) => `${p.label}=${fmtValueOf(p.values[i])}`).join(" ")} → ${fmtNumber(scored.score[i])}`,
    ),
    notes: [
      `One line per multi-task trial; colour: ${scored.scoreLabel}, yellow = better. Log-uniform parameters on log axes.`,
    ],
  });
}

const fmtValueOf = (v: number | string | null | undefined) =>
  v === null || v === undefined ? "—" : typeof v === "number" ? fmtNumber(v, 3) : v;

/**
 * Slice plots, as Optuna's: every multi-task trial's objective against one swept parameter at a
 * time, one panel per parameter (log axis for log-uniform ones, categories side by side); null
 * without trials or swept parameters.
 */
export function slicePlot(scored: Scored, params: readonly SweptParam[]): Plot | null {
  if (scored.trials.length < 2 || params.length === 0) return null;
  const panels = params.map((p) => {
    if (p.kind === "category") {
      const cats = [...new Set(p.values.filter((v) => v !== null).map(String))].sort((x, y) =>
        Number.isFinite(Number(x)) && Number.isFinite(Number(y)) ? Number(x) - Number(y) : x.localeCompare(y),
      );
      const at = (v: number | string | null) => (v === null ? Number.NaN : cats.indexOf(String(v)));
      return {
        xs: p.values.map(at),
        axis: {
          domain: [-0.5, cats.length - 0.5] as [number, number],
          ticks: cats.map((_, k) => k),
          // Names cut to share the panel's width.
          format: (t: number) =>
            clipText(cats[t] ?? "", Math.max(3, Math.floor(28 / Math.max(1, cats.length)))),
        },
      };
    }
    const log = p.kind === "log";
    const xs = p.values.map((v) =>
      typeof v === "number" && (!log || v > 0) ? (log ? Math.log10(v) : v) : Number.NaN,
    );
    const fin = xs.filter(Number.isFinite);
    const lo = Math.min(...fin);
    const hi = Math.max(...fin);
    const pad = hi > lo ? (hi - lo) * 0.06 : 0.5;
    const domain: [number, number] = [lo - pad, hi + pad];
    const ticks = log
      ? niceTicks(Math.ceil(domain[0]), Math.floor(domain[1]), 4).filter(Number.isInteger)
      : niceTicks(domain[0], domain[1], 4);
    return { xs, axis: { domain, ticks, format: (t: number) => fmtNumber(log ? 10 ** t : t, 3) } };
  });
  const series: Series[] = params.map((p, k) => ({
    label: p.kind === "log" ? `${p.label} (log scale)` : p.label,
    color: "#4e79a7",
    scatter: true,
    points: panels[k]!.xs.flatMap((x, i) =>
      Number.isFinite(x)
        ? [
            {
              x,
              y: scored.score[i]!,
              tip: `trial ${scored.trials[i]!.number ?? scored.trials[i]!.id}: ${p.label}=${fmtValueOf(p.values[i])} → ${fmtNumber(scored.score[i])}`,
            },
          ]
        : [],
    ),
  }));
  return smallMultiples({
    name: "slices",
    title: "Slices: the objective against each swept parameter",
    series,
    panelX: panels.map((p) => p.axis),
    xLabel: "",
    yLabel: scored.names.length === 1 ? scored.names[0]! : "objective",
    minPanelWidth: 260,
    notes: [
      `One dot per multi-task trial: ${scored.scoreLabel}, ${scored.direction === "max" ? "higher" : "lower"} is better, against one parameter; the other parameters vary too.`,
    ],
  });
}

function clipText(s: string, n: number): string {
  return [...s].length <= n ? s : `${[...s].slice(0, Math.max(1, n - 1)).join("")}…`;
}
