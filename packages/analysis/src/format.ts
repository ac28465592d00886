/**
 * The one number formatter of every view (`mtl compare`, `mtl report`, the leaderboard, `mtl
 * trials`, the dashboard): how many digits a number gets, how a spread, an interval, a signed
 * Δm%, a parameter value and a duration are written. No view formats a number its own way.
 *
 * Rules: a column of means over seeds gets the decimals that show its typical spread to two
 * significant digits (more digits than that are noise); without a spread, four significant
 * digits. A spread that is floating-point noise is written "0". An interval is clipped to the
 * range the metric can take. Nothing prints as "-0" or "-0.00".
 */
import type { Cell, Comparison } from "./compare.ts";

/** What a missing or undefined number prints as. */
export const MISSING = "—";

/** Significant digits of a lone number with no spread to go by. @default 4 */
export const SIGNIFICANT = 4;

/** Decimals that give `sig` significant digits for the largest magnitude in `xs` (0 to 8). */
export function decimalsFor(xs: readonly number[], sig = SIGNIFICANT): number {
  const big = Math.max(0, ...xs.filter(Number.isFinite).map(Math.abs));
  if (big === 0) return sig;
  return clampDecimals(sig - 1 - Math.floor(Math.log10(big)));
}

/** A spread this small next to its mean is rounding noise (a std of 1.6e-16 over equal seeds). */
export function isNoise(spread: number, mean: number): boolean {
  return !(spread > 1e-9 * Math.max(1, Math.abs(mean)));
}

/**
 * Decimals of a column of means with their spreads (sample std over seeds): the median over the
 * cells of the decimals that write the cell's std with two significant digits, so the digits shown
 * are the ones the seeds agree on. Cells without a real spread do not vote; with no votes at all,
 * {@link decimalsFor} the means.
 */
export function decimalsFromSpread(means: readonly number[], spreads: readonly number[]): number {
  const votes = spreads
    .map((s, i) => (Number.isFinite(s) && !isNoise(s, means[i] ?? 0) ? 1 - Math.floor(Math.log10(s)) : null))
    .filter((d): d is number => d !== null)
    .sort((a, b) => a - b);
  if (votes.length === 0) return decimalsFor(means);
  return clampDecimals(votes[Math.floor((votes.length - 1) / 2)]!);
}

function clampDecimals(d: number): number {
  return Math.min(8, Math.max(0, d));
}

/** A number with fixed decimals, or "—" when missing; never "-0.00". */
export function fmt(x: number | null | undefined, decimals: number): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return MISSING;
  // A mean of exact opposites can land at −1e-17: print it as 0, not "-0.00".
  return x.toFixed(decimals).replace(/^-(0\.?0*)$/, "$1");
}

/** A signed number with fixed decimals ("+3.75", "-1.20", "0.00"), or "—": how Δm% is printed everywhere. */
export function fmtSigned(x: number | null | undefined, decimals = 2): string {
  const v = fmt(x, decimals);
  return x != null && x > 0 && !/^0\.?0*$/.test(v) ? `+${v}` : v;
}

/** A signed percentage with a % sign ("+3.2%", "0.0%"), or "—". */
export function fmtPct(x: number | null | undefined, decimals = 1): string {
  const v = fmtSigned(x, decimals);
  return v === MISSING ? v : `${v}%`;
}

/**
 * A lone number (a parameter, an objective value, a tooltip): integers as they are, otherwise
 * `sig` significant digits without trailing zeros, exponent form below 0.001, no decimals from
 * 10,000 up. 32 → "32", 0.9488888888888889 → "0.9489", 0.000456 → "4.56e-4".
 */
export function fmtNumber(x: number | null | undefined, sig = SIGNIFICANT): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return MISSING;
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 10 ** sig) return fmt(x, 0);
  if (a < 1e-3) {
    const [m, e] = x.toExponential(Math.max(0, sig - 1)).split("e");
    return `${String(Number(m))}e${Number(e)}`;
  }
  const v = String(Number(x.toPrecision(sig)));
  return v === "-0" ? "0" : v;
}

/**
 * A formatter for a column of numbers: the same decimals on every row (so 0.920 stands beside
 * 0.932, not 0.92), `sig` significant digits for the largest magnitude.
 */
export function columnFormat(values: readonly (number | null | undefined)[], sig = SIGNIFICANT) {
  const d = decimalsFor(
    values.filter((v): v is number => typeof v === "number"),
    sig,
  );
  return (x: number | null | undefined) => fmt(x, d);
}

/** A parameter's value: numbers by {@link fmtNumber} (3 digits), lists joined by ",", records as k:v. */
export function fmtValue(v: unknown, sig = 3): string {
  if (typeof v === "number") return fmtNumber(v, sig);
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map((x) => fmtValue(x, sig)).join(",");
  if (v && typeof v === "object")
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}:${fmtValue(x, sig)}`)
      .join(",");
  return String(v);
}

/** A size: "512 B", "3.4 KiB", "12.0 MiB". */
export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  return n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/** A duration: "850ms", "42s", "3m05s", "2h10m"; "—" when unknown. */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return MISSING;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${fmt(ms / 1000, 1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, "0")}m`;
}

/** A p-value: "<0.001", or three decimals; "—" when undefined. */
export function fmtP(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return MISSING;
  return p < 0.001 ? "<0.001" : p.toFixed(3);
}

/**
 * The values a metric can take, for clipping intervals: accuracies, F1 and AUC-like scores lie
 * in [0, 1]; losses and errors are ≥ 0; anything else (and Δm%) is unbounded.
 */
export function metricBounds(metric: string): [number, number] {
  const base = metric.replace(/@\d+$/, "");
  if (/(^|_)(accuracy|acc|f1|auc|precision|recall|r2_clipped)$/.test(base)) return [0, 1];
  if (/(^|_)(loss|mse|mae|rmse|kl|error|ce)$/.test(base)) return [0, Number.POSITIVE_INFINITY];
  return [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
}

/** "mean ± std" (the std left out with one seed, "0" when it is noise); seeds that diverged are named, never hidden. */
export function meanStd(c: Cell, decimals: number, signed = false): string {
  const div = c.diverged > 0 ? `${c.diverged} diverged` : "";
  if (!Number.isFinite(c.mean)) return div ? "diverged" : MISSING;
  const m = signed ? fmtSigned(c.mean, decimals) : fmt(c.mean, decimals);
  const spread = isNoise(c.std, c.mean) ? "0" : fmt(c.std, decimals);
  const text = Number.isFinite(c.std) ? `${m} ± ${spread}` : m;
  return div ? `${text} (+${div})` : text;
}

/** "[low, high]", clipped to `bounds` (the metric's range), or "—". */
export function ci(c: Cell, decimals: number, bounds?: readonly [number, number]): string {
  if (!c.ci) return MISSING;
  const [lo, hi] = bounds ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  const clip = (x: number) => Math.min(hi, Math.max(lo, x));
  return `[${fmt(clip(c.ci[0]), decimals)}, ${fmt(clip(c.ci[1]), decimals)}]`;
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
    `Split: ${cmp.split}. Rows: ${cmp.by === "config" ? "one per configuration (strategy, its options, architecture, λ and every swept value)" : "one per strategy (its best configuration)"}. Cells: mean ± sample std over seeds, to the digits the seeds agree on; n = seeds; ${pct}% CI = mean ± t(${(1 + cmp.level) / 2}, n−1)·std/√n (Student t), clipped to the metric's range.`,
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

/** The objective's value(s) of a row in four significant digits. */
export function objectiveText(values: readonly number[] | null, decimals?: number): string {
  if (!values) return MISSING;
  return values.map((v) => fmt(v, decimals ?? decimalsFor([v]))).join(", ");
}
