/** Line chart with optional ± bands: learning curves, and a metric against a task weight. */
import { axes, type Frame, legendBox, niceTicks, type Plot, padRange, r2, scale, svgDoc } from "./common.ts";

/** One line: points in x order, each with an optional band [lo, hi]. */
export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: readonly { x: number; y: number; lo?: number; hi?: number }[];
}

/** Input of {@link lineChart}. */
export interface LineInput {
  name: string;
  title: string;
  series: readonly Series[];
  xLabel: string;
  yLabel: string;
  /** Fixed x range (e.g. [0, 1] for a weight share). @default the data's */
  xDomain?: [number, number];
  /** Integer x ticks only (epochs). @default false */
  integerX?: boolean;
  /** Draw a marker at each point (few points, e.g. weight settings). @default false */
  markers?: boolean;
  footnote?: string;
}

/** Draws the lines, bands first so that lines stay on top. */
export function lineChart(input: LineInput): Plot {
  const width = 560;
  const height = 380;
  const f: Frame = { left: 78, top: 40, right: width - 20, bottom: height - 92 };
  const all = input.series.flatMap((s) => s.points);
  const xd =
    input.xDomain ??
    padRange(
      all.map((p) => p.x),
      0.02,
    );
  const yd = padRange(all.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]));
  const sx = scale(xd[0], xd[1], f.left, f.right);
  const sy = scale(yd[0], yd[1], f.bottom, f.top);
  let xTicks = niceTicks(xd[0], xd[1]);
  if (input.integerX) xTicks = xTicks.filter((t) => Number.isInteger(t));
  const parts = [axes(f, xd, yd, input.xLabel, input.yLabel, xTicks)];
  for (const s of input.series) {
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const band = pts.filter((p) => Number.isFinite(p.lo) && Number.isFinite(p.hi));
    if (band.length > 1) {
      const upper = band.map((p) => `${r2(sx(p.x))},${r2(sy(p.hi!))}`);
      const lower = band.map((p) => `${r2(sx(p.x))},${r2(sy(p.lo!))}`).reverse();
      parts.push(
        `<polygon class="band" points="${[...upper, ...lower].join(" ")}" fill="${s.color}" opacity="0.15"/>`,
      );
    }
  }
  for (const s of input.series) {
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    if (pts.length === 0) continue;
    const d = pts.map((p, i) => `${i === 0 ? "M" : "L"}${r2(sx(p.x))},${r2(sy(p.y))}`).join(" ");
    parts.push(
      `<path class="series" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
    );
    if ((input.markers && !s.dashed) || pts.length === 1)
      for (const p of pts) {
        if (Number.isFinite(p.lo) && Number.isFinite(p.hi))
          parts.push(
            `<line x1="${r2(sx(p.x))}" y1="${r2(sy(p.lo!))}" x2="${r2(sx(p.x))}" y2="${r2(sy(p.hi!))}" stroke="${s.color}" opacity="0.6"/>`,
          );
        parts.push(`<circle cx="${r2(sx(p.x))}" cy="${r2(sy(p.y))}" r="3.5" fill="${s.color}"/>`);
      }
  }
  parts.push(legendBox(input.series, f.left, height - 40, width - f.left - 20));
  if (input.footnote)
    parts.push(
      `<text x="${f.left}" y="${height - 12}" font-size="10" fill="#666">${escapeText(input.footnote)}</text>`,
    );
  return {
    name: input.name,
    title: input.title,
    width,
    height,
    svg: svgDoc(width, height, input.title, parts.join("")),
  };
}

function escapeText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
