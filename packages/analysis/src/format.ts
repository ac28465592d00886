/** Number formatting and the legend shared by the text renderers. */
import type { Cell, Comparison } from "./compare.ts";

/** Decimals that give about four significant digits for the largest magnitude in `xs`. */
export function decimalsFor(xs: readonly number[]): number {
  const big = Math.max(0, ...xs.filter(Number.isFinite).map(Math.abs));
  if (big === 0) return 4;
  return Math.min(8, Math.max(0, 3 - Math.floor(Math.log10(big))));
}

/** A number with fixed decimals, or "—" when missing. */
export function fmt(x: number | null | undefined, decimals: number): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "—";
  // A mean of exact opposites can land at −1e-17: print it as 0, not "-0.00".
  return x.toFixed(decimals).replace(/^-(0\.?0*)$/, "$1");
}

/** A p-value: "<0.001", or three decimals; "—" when undefined. */
export function fmtP(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return "—";
  return p < 0.001 ? "<0.001" : p.toFixed(3);
}

/** A signed number with fixed decimals ("+3.75", "-1.20", "0.00"), or "—" when missing: how Δm% is printed everywhere. */
export function fmtSigned(x: number | null | undefined, decimals = 2): string {
  const v = fmt(x, decimals);
  return x != null && x > 0 && !/^0\.?0*$/.test(v) ? `+${v}` : v;
}

/** "mean ± std" (the std left out with one seed); seeds that diverged are named, never hidden. */
export function meanStd(c: Cell, decimals: number, signed = false): string {
  const div = c.diverged > 0 ? `${c.diverged} diverged` : "";
  if (!Number.isFinite(c.mean)) return div ? "diverged" : "—";
  const m = signed ? fmtSigned(c.mean, decimals) : fmt(c.mean, decimals);
  const text = Number.isFinite(c.std) ? `${m} ± ${fmt(c.std, decimals)}` : m;
  return div ? `${text} (+${div})` : text;
}

/** "[low, high]" or "—". */
export function ci(c: Cell, decimals: number): string {
  return c.ci ? `[${fmt(c.ci[0], decimals)}, ${fmt(c.ci[1], decimals)}]` : "—";
}

/** Holm-adjusted p with a star when below 0.05; "ref" on the reference row. */
export function pCell(c: Cell, isReference: boolean): string {
  if (isReference) return "ref";
  return fmtP(c.pHolm) + (c.pHolm !== null && c.pHolm < 0.05 ? "*" : "");
}

/** Column header: "task metric ↑" (↑ higher is better, ↓ lower is better). */
export function columnTitle(c: { task: string; metric: string; direction: "max" | "min" }): string {
  return `${c.task} ${c.metric} ${c.direction === "max" ? "↑" : "↓"}`;
}

/** How many left-out trials the text legend names one by one (JSON lists them all). */
const LEFT_OUT_SHOWN = 12;

/** The legend: what each number is, which test, the Δm% formula and its sign. */
export function legend(cmp: Comparison): string[] {
  const pct = Math.round(cmp.level * 100);
  const others = cmp.rows.length - 1;
  const lines = [
    `Split: ${cmp.split}. Rows: ${cmp.by === "config" ? "one per configuration (strategy, its options, architecture, λ and every swept value)" : "one per strategy (its best configuration)"}. Cells: mean ± sample std over seeds; n = seeds; ${pct}% CI = mean ± t(${(1 + cmp.level) / 2}, n−1)·std/√n (Student t).`,
  ];
  if (cmp.hasBaseline)
    lines.push(
      "Δm% = 100 · mean over tasks t of Δ_t, Δ_t = mean over the task's metrics m of (−1)^{w_m}·(B_m − M_m)/B_m, " +
        "w_m = 1 if higher is better; B = the row's single-task baseline (same data, model and training parameters), M = the row, " +
        "seed by seed (paired). Positive = better than single-task. Shown as mean ± std over the paired seeds.",
    );
  if (cmp.reference) {
    const test =
      cmp.test === "welch"
        ? "two-sided Welch t-test (unequal variances; unpaired, as seeds of different strategies are not matched)"
        : "two-sided permutation test on the difference of means (exact over all splits of the seeds, seeded Monte Carlo when there are too many)";
    lines.push(
      `p: ${test} against ${cmp.reference}, Holm-adjusted over the ${others} row${others === 1 ? "" : "s"} compared; * = p < 0.05.`,
    );
  }
  lines.push(
    `rank: by the sweep objective ${cmp.objective.names.join(", ")} on the ${cmp.split} split (mean over seeds${cmp.objective.names.length > 1 ? "; Pareto rank, then crowding distance" : ""}), the order of the leaderboard, the dashboard and the report; single-task rows are the baseline and are not ranked.`,
  );
  lines.push(
    "front: ★ = on the Pareto front of the rows' means (no other row is as good on every column and better on one).",
  );
  const ex = Object.entries(cmp.excluded);
  if (ex.length > 0) {
    const named = cmp.leftOut
      .slice(0, LEFT_OUT_SHOWN)
      .map((t) => `trial ${t.number ?? `id ${t.id}`} (${t.label}, seed ${t.seed}): ${t.reason}`);
    const more = cmp.leftOut.length - named.length;
    lines.push(
      `Left out: ${ex.map(([s, n]) => `${n} ${s}`).join(", ")} — ${named.join("; ")}${more > 0 ? `; and ${more} more (--format json lists all)` : ""}.`,
    );
  }
  return [...lines, ...cmp.notes];
}

/** The objective's value(s) of a row in a few digits. */
export function objectiveText(values: readonly number[] | null): string {
  if (!values) return "—";
  return values.map((v) => fmt(v, decimalsFor([v]))).join(", ");
}
