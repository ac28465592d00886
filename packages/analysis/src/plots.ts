/** Builds the report's plots from a comparison and the trials behind it. */
import { SINGLE_TASK } from "@mtl/spec";
import type { CompareRow, Comparison } from "./compare.ts";
import type { MetricColumn } from "./delta-m.ts";
import type { TrialRecord } from "./records.ts";
import { mean, sampleStd } from "./stats.ts";
import { colorOf, type Plot } from "./svg/common.ts";
import { lineChart, type Series } from "./svg/lines.ts";
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
 * Pareto scatter over two tasks. `points` is the comparison whose rows become points (by
 * strategy and weights when the sweep varies the weights, so the trade-off is visible).
 */
export function paretoPlot(points: Comparison, tasks?: [string, string]): Plot | null {
  const prim = primaryColumns(points);
  const pick = (name: string | undefined, fallback: number) =>
    name === undefined ? prim[fallback] : prim.find((p) => p.column.task === name);
  const a = pick(tasks?.[0], 0);
  const b = pick(tasks?.[1], 1);
  if (!a || !b || a === b) return null;
  const methods = [...new Set(points.rows.map((r) => r.method))];
  return paretoScatter({
    name: "pareto",
    title: `Pareto front: ${a.column.task} vs ${b.column.task} (${points.split})`,
    xLabel: `${colTitle(a.column)} ${arrowOf(a.column)}`,
    yLabel: `${colTitle(b.column)} ${arrowOf(b.column)}`,
    xDirection: a.column.direction,
    yDirection: b.column.direction,
    points: points.rows.map((r) => ({
      label: r.label,
      group: r.method,
      color: colorOf(r.method, methods),
      x: r.cells[a.index]!.mean,
      y: r.cells[b.index]!.mean,
      xErr: r.cells[a.index]!.std,
      yErr: r.cells[b.index]!.std,
      baseline: r.isBaseline,
      // A strategy run at one setting is one point: always name it.
      important: r.label === r.method,
    })),
  });
}

/** Rows drawn as learning curves: the best-ranked ones and the baselines, so a plot stays readable. */
export const CURVE_ROWS = 8;

/** Learning curves on the val split: one plot per task, one line per row (mean over seeds, ± std band). */
export function curvePlots(cmp: Comparison, trials: readonly TrialRecord[]): Plot[] {
  const byId = new Map(trials.map((t) => [t.id, t]));
  const methods = [...new Set(cmp.rows.map((r) => r.method))];
  const shown = [
    ...cmp.rows.filter((r) => !r.isBaseline).slice(0, CURVE_ROWS),
    ...cmp.rows.filter((r) => r.isBaseline),
  ];
  const plots: Plot[] = [];
  for (const { column } of primaryColumns(cmp)) {
    const series: Series[] = [];
    for (const row of shown) {
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
      if (perEpoch.size === 0) continue;
      const points = [...perEpoch.entries()]
        .sort(([a], [b]) => a - b)
        .map(([epoch, vs]) => {
          const m = mean(vs);
          const s = sampleStd(vs);
          return Number.isFinite(s) ? { x: epoch, y: m, lo: m - s, hi: m + s } : { x: epoch, y: m };
        });
      series.push({ label: row.label, color: colorOf(row.method, methods), dashed: row.isBaseline, points });
    }
    if (series.length === 0) continue;
    plots.push(
      lineChart({
        name: `curves-${fileSafe(column.task)}`,
        title: `Learning curves: ${column.task} (val ${column.metric} ${arrowOf(column)})`,
        series,
        xLabel: "epoch",
        yLabel: `val ${column.metric}`,
        integerX: true,
        footnote:
          shown.length < cmp.rows.length
            ? `Lines: mean over seeds; bands: ± std. The ${CURVE_ROWS} best-ranked configurations and the baselines.`
            : "Lines: mean over seeds; bands: ± std.",
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
        footnote: "Points: mean over seeds; bars: ± std.",
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
