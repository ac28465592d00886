import { mean, summarize } from "@mtl/analysis";
import { objectiveOf, paretoFront } from "@mtl/scheduler";
import { type Experiment, type FinalMetrics, SINGLE_TASK, type TrialConfig } from "@mtl/spec";
import type { TrialRow } from "@mtl/store";
import { fmt, renderTable } from "./table.ts";

interface Group {
  configKey: string;
  method: string;
  params: Record<string, unknown>;
  seeds: number[];
  objective: number[][];
  finals: FinalMetrics[];
}

/**
 * The method with the strategy options the experiment fixed (not the swept ones, shown as
 * params), so that one strategy listed twice with different options gives two labels.
 */
export function methodLabel(t: TrialRow): string {
  const { strategy } = t.config as TrialConfig;
  const fixed = Object.entries(strategy.options).filter(([k]) => !(`${strategy.name}.${k}` in t.params));
  if (t.method === SINGLE_TASK || fixed.length === 0) return t.method;
  return `${t.method}(${fixed.map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`).join(" ")})`;
}

/** Sampled parameters in one short line; the method (strategy or baseline) is shown on its own. */
export function describeParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .filter(([k]) => k !== "strategy" && k !== "architecture")
    .map(([k, v]) => {
      if (v && typeof v === "object")
        return `${k}=${Object.values(v as Record<string, number>)
          .map((x) => fmt(x, 2))
          .join("/")}`;
      return `${k}=${typeof v === "number" ? fmt(v, 3) : String(v)}`;
    })
    .join(" ");
}

/**
 * The end-of-run leaderboard: completed trials grouped by configuration (seeds are replicates),
 * ranked by the objective's mean over seeds, or by Pareto front when there is one objective per task.
 */
export function leaderboard(experiment: Experiment, trialRows: TrialRow[], limit = 15): string {
  const obj = objectiveOf(experiment);
  const groups = new Map<string, Group>();
  for (const t of trialRows) {
    if (t.state !== "completed" || !t.objective) continue;
    const g = groups.get(t.configKey) ?? {
      configKey: t.configKey,
      method: methodLabel(t),
      params: t.params,
      seeds: [],
      objective: [],
      finals: [],
    };
    g.seeds.push(t.seed);
    g.objective.push(t.objective);
    g.finals.push(t.final as FinalMetrics);
    groups.set(t.configKey, g);
  }
  if (groups.size === 0) return "No completed trials yet.";
  const all = [...groups.values()];
  const means = (g: Group) => obj.names.map((_, i) => mean(g.objective.map((o) => o[i] ?? Number.NaN)));
  const front = new Set(paretoFront(all, means, obj.directions).map((g) => g.configKey));
  const sign = (i: number) => (obj.directions[i] === "max" ? -1 : 1);
  all.sort((a, b) => {
    const fa = front.has(a.configKey) ? 0 : 1;
    const fb = front.has(b.configKey) ? 0 : 1;
    if (obj.names.length > 1 && fa !== fb) return fa - fb;
    return sign(0) * ((means(a)[0] ?? 0) - (means(b)[0] ?? 0));
  });
  const split = experiment.sweep.objective.split;
  const header = ["#", "method", "params", "seeds", ...obj.names.map((n) => `${n} (${split})`)];
  if (obj.names.length > 1) header.push("pareto");
  const rows = all.slice(0, limit).map((g, i) => {
    const row: (string | number)[] = [i + 1, g.method, describeParams(g.params) || "–", g.seeds.length];
    obj.names.forEach((_, k) => {
      const xs = g.objective.map((o) => o[k] ?? Number.NaN);
      const { mean: m, std } = summarize(xs);
      row.push(xs.length > 1 ? `${fmt(m)} ± ${fmt(std, 2)}` : fmt(m));
    });
    if (obj.names.length > 1) row.push(front.has(g.configKey) ? "★" : "");
    return row;
  });
  const more = all.length > limit ? `\n… and ${all.length - limit} more configurations` : "";
  return `${renderTable(header, rows)}${more}`;
}
