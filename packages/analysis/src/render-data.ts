/** The comparison as data: CSV (one row per table row, full precision) and JSON. */
import type { Cell, Comparison } from "./compare.ts";

const CELL_FIELDS = ["mean", "std", "ci_low", "ci_high", "n", "diverged", "p", "p_holm"] as const;

function cellFields(c: Cell | null): (number | null)[] {
  if (!c) return CELL_FIELDS.map(() => null);
  return [c.mean, c.std, c.ci?.[0] ?? null, c.ci?.[1] ?? null, c.n, c.diverged, c.p, c.pHolm];
}

/** RFC 4180 CSV; empty fields for missing values. */
export function renderCsv(cmp: Comparison): string {
  const header = [
    "rank",
    "label",
    "key",
    "method",
    "strategy_options",
    "architecture",
    "weights",
    "seeds",
    "diverged_seeds",
    "candidates",
  ];
  for (const c of cmp.columns) for (const f of CELL_FIELDS) header.push(`${c.task}.${c.metric}.${f}`);
  if (cmp.hasBaseline) for (const f of CELL_FIELDS) header.push(`delta_m_pct.${f}`);
  for (const name of cmp.objective.names) header.push(`objective.${name}`);
  header.push("pareto_front", "reference", "split");
  const lines = [header.map(quote).join(",")];
  for (const r of cmp.rows) {
    const vals: (string | number | null | boolean)[] = [
      r.rank,
      r.label,
      r.key,
      r.method,
      JSON.stringify(r.strategyOptions),
      r.architecture,
      r.weights ? r.weights.join(";") : null,
      r.seeds.join(";"),
      r.diverged.join(";"),
      r.candidates,
    ];
    for (const c of r.cells) vals.push(...cellFields(c));
    if (cmp.hasBaseline) vals.push(...cellFields(r.deltaM));
    cmp.objective.names.forEach((_, i) => {
      vals.push(r.objective?.[i] ?? null);
    });
    vals.push(r.onParetoFront, r.isReference, cmp.split);
    lines.push(vals.map(quote).join(","));
  }
  return lines.join("\n") + "\n";
}

function quote(v: string | number | null | boolean): string {
  if (v === null) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The whole comparison as JSON; NaN becomes null (JSON has no NaN). */
export function renderJson(cmp: Comparison): string {
  return JSON.stringify(cmp, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n";
}
