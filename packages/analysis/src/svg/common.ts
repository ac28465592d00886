/** Small SVG building blocks: escaping, scales, ticks, colours, axes and the document shell. */
import { SINGLE_TASK } from "@mtl/spec";

/** Escapes text for SVG/HTML content and attribute values. */
export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** Rounds coordinates so files stay small and diffs stable. */
export function r2(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/** Maps [d0, d1] linearly onto [r0, r1]; a zero-width domain maps to the middle. */
export function scale(d0: number, d1: number, r0: number, r1: number): (x: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (x) => r0 + ((x - d0) / (d1 - d0)) * (r1 - r0);
}

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10^k). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  // The round step whose tick count is closest to the one asked for.
  const step = [1, 2, 5, 10]
    .map((m) => m * mag)
    .reduce((best, s) => (Math.abs((hi - lo) / s - count) < Math.abs((hi - lo) / best - count) ? s : best));
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

/** Pads a data range by a fraction on each side (and widens a degenerate one). */
export function padRange(values: readonly number[], frac = 0.08): [number, number] {
  const fin = values.filter(Number.isFinite);
  if (fin.length === 0) return [0, 1];
  let lo = Math.min(...fin);
  let hi = Math.max(...fin);
  if (lo === hi) {
    const d = Math.abs(lo) * 0.05 || 0.5;
    lo -= d;
    hi += d;
  }
  const pad = (hi - lo) * frac;
  return [lo - pad, hi + pad];
}

/** Tick label without float noise. */
export function tickLabel(v: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : Math.abs(v) || 1;
  const decimals = Math.max(0, Math.min(8, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/** Categorical colours (Tableau 10), readable on white and distinct for colour-blind readers in the first few. */
export const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

/** The single-task baseline is always drawn in dark grey so it reads as the reference. */
export const BASELINE_COLOR = "#333333";

/** A stable colour per method: the baseline grey, others by their position in `methods`. */
export function colorOf(method: string, methods: readonly string[]): string {
  if (method === SINGLE_TASK) return BASELINE_COLOR;
  const others = methods.filter((m) => m !== SINGLE_TASK);
  const i = Math.max(0, others.indexOf(method));
  return PALETTE[i % PALETTE.length]!;
}

/** Viridis, sampled at nine points; interpolated linearly in RGB. */
const VIRIDIS = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
] as const;

/** Colour for t in [0, 1] on the viridis ramp (dark = 0, yellow = 1). */
export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  const c = [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f));
  return `#${c.map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}

/** A plot: a standalone SVG document plus its size (for screenshots). */
export interface Plot {
  /** File name without extension, e.g. "pareto" or "curves-cls". */
  name: string;
  title: string;
  width: number;
  height: number;
  svg: string;
}

export const FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";

/**
 * Wraps body elements into a standalone SVG with a white background (PNG screenshots stay
 * opaque). The visible title is part of the body (the layout places it); `title` is the
 * accessible name.
 */
export function svgDoc(width: number, height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="${FONT}" font-size="12" role="img" aria-label="${esc(title)}">` +
    `<title>${esc(title)}</title><rect width="100%" height="100%" fill="#ffffff"/>` +
    body +
    "</svg>"
  );
}

/** Plot area inside the margins. */
export interface Frame {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Where an axis' labels go (from the chart's layout). */
export interface AxisPlaces {
  xTickY: number;
  xLabelY: number;
  yLabelX: number;
}

/** Axes with ticks, grid lines and labels for a rectangular plot. */
export function axes(
  f: Frame,
  xDomain: [number, number],
  yDomain: [number, number],
  xLabel: string,
  yLabel: string,
  at: AxisPlaces,
  xTicks = niceTicks(xDomain[0], xDomain[1]),
  yTicks = niceTicks(yDomain[0], yDomain[1]),
  /** Which tick labels to write (grid lines are drawn either way): small multiples label the outer panels only. */
  labels: { x: boolean; y: boolean } = { x: true, y: true },
  /** How an x tick is written (a log axis writes 10^t, a category axis its name). @default a round number */
  xFormat: (t: number) => string = (t) => tickLabel(t, xTicks),
): string {
  const sx = scale(xDomain[0], xDomain[1], f.left, f.right);
  const sy = scale(yDomain[0], yDomain[1], f.bottom, f.top);
  const parts: string[] = [];
  for (const t of xTicks) {
    const x = r2(sx(t));
    parts.push(`<line x1="${x}" y1="${f.top}" x2="${x}" y2="${f.bottom}" stroke="#e6e6e6"/>`);
    if (labels.x)
      parts.push(
        `<text class="tick" x="${x}" y="${at.xTickY}" text-anchor="middle" fill="#444">${esc(xFormat(t))}</text>`,
      );
  }
  for (const t of yTicks) {
    const y = r2(sy(t));
    parts.push(`<line x1="${f.left}" y1="${y}" x2="${f.right}" y2="${y}" stroke="#e6e6e6"/>`);
    if (labels.y)
      parts.push(
        `<text class="tick" x="${f.left - 6}" y="${r2(sy(t) + 4)}" text-anchor="end" fill="#444">${tickLabel(t, yTicks)}</text>`,
      );
  }
  parts.push(
    `<rect x="${f.left}" y="${f.top}" width="${f.right - f.left}" height="${f.bottom - f.top}" fill="none" stroke="#888"/>`,
  );
  if (xLabel)
    parts.push(
      `<text class="axis-label" x="${r2((f.left + f.right) / 2)}" y="${at.xLabelY}" text-anchor="middle">${esc(xLabel)}</text>`,
    );
  if (yLabel)
    parts.push(
      `<text class="axis-label" transform="translate(${at.yLabelX} ${r2((f.top + f.bottom) / 2)}) rotate(-90)" text-anchor="middle" dominant-baseline="central">${esc(yLabel)}</text>`,
    );
  return `<g class="axes">${parts.join("")}</g>`;
}
