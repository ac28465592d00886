/** Pareto scatter: two tasks' metrics, one point per row, the non-dominated ones joined. */

import { onParetoFront } from "@mtl/scheduler";
import type { Direction } from "@mtl/spec";
import { axes, esc, type Frame, legendBox, type Plot, padRange, r2, scale, svgDoc } from "./common.ts";

/** One point of the scatter. */
export interface ScatterPoint {
  label: string;
  color: string;
  /** Legend group (usually the method). */
  group: string;
  x: number;
  y: number;
  /** Half-widths of the error bars (e.g. std over seeds); omitted or NaN for none. */
  xErr?: number;
  yErr?: number;
  /** Drawn as a cross: the single-task baseline. */
  baseline?: boolean;
  /** Labelled even when there are too many points to label them all. */
  important?: boolean;
}

/** Input of {@link paretoScatter}. */
export interface ScatterInput {
  name: string;
  title: string;
  points: readonly ScatterPoint[];
  xLabel: string;
  yLabel: string;
  xDirection: Direction;
  yDirection: Direction;
  /** Label every point up to this many points, else only the front. @default 14 */
  labelLimit?: number;
}

/** Draws the scatter; the front is recomputed over the two plotted objectives. */
export function paretoScatter(input: ScatterInput): Plot {
  const width = 640;
  const height = 460;
  const f: Frame = { left: 78, top: 40, right: width - 24, bottom: height - 92 };
  const pts = input.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const front = onParetoFront(pts, (p) => [p.x, p.y], [input.xDirection, input.yDirection]);
  const xs = pts.flatMap((p) => [p.x - (finite(p.xErr) ?? 0), p.x + (finite(p.xErr) ?? 0)]);
  const ys = pts.flatMap((p) => [p.y - (finite(p.yErr) ?? 0), p.y + (finite(p.yErr) ?? 0)]);
  const xd = padRange(xs);
  const yd = padRange(ys);
  const sx = scale(xd[0], xd[1], f.left, f.right);
  const sy = scale(yd[0], yd[1], f.bottom, f.top);
  const arrow = (d: Direction) => (d === "max" ? "higher is better" : "lower is better");
  const parts = [
    axes(
      f,
      xd,
      yd,
      `${input.xLabel} (${arrow(input.xDirection)})`,
      `${input.yLabel} (${arrow(input.yDirection)})`,
    ),
  ];

  // Front as a staircase in x order: between two front points the dominated region is a corner.
  const fp = pts.filter((_, i) => front[i]).sort((a, b) => a.x - b.x);
  if (fp.length > 1) {
    const d = fp
      .map((p, i) => {
        const x = r2(sx(p.x));
        const y = r2(sy(p.y));
        if (i === 0) return `M${x},${y}`;
        const prev = fp[i - 1]!;
        // Step through the corner that both points dominate: the edge of the dominated region.
        const cx = pickWorse(prev.x, p.x, input.xDirection);
        const cy = pickWorse(prev.y, p.y, input.yDirection);
        return `L${r2(sx(cx))},${r2(sy(cy))} L${x},${y}`;
      })
      .join(" ");
    parts.push(
      `<path class="front" d="${d}" fill="none" stroke="#111111" stroke-width="1.2" stroke-dasharray="5 3"/>`,
    );
  }

  const labelAll = pts.length <= (input.labelLimit ?? 14);
  const placed: { x0: number; y: number; w: number }[] = [];
  pts.forEach((p, i) => {
    const x = sx(p.x);
    const y = sy(p.y);
    const g: string[] = [];
    const xe = finite(p.xErr);
    const ye = finite(p.yErr);
    if (xe)
      g.push(
        `<line x1="${r2(sx(p.x - xe))}" y1="${r2(y)}" x2="${r2(sx(p.x + xe))}" y2="${r2(y)}" stroke="${p.color}" opacity="0.6"/>`,
      );
    if (ye)
      g.push(
        `<line x1="${r2(x)}" y1="${r2(sy(p.y - ye))}" x2="${r2(x)}" y2="${r2(sy(p.y + ye))}" stroke="${p.color}" opacity="0.6"/>`,
      );
    if (p.baseline)
      g.push(
        `<path d="M${r2(x - 6)},${r2(y - 6)} L${r2(x + 6)},${r2(y + 6)} M${r2(x - 6)},${r2(y + 6)} L${r2(x + 6)},${r2(y - 6)}" stroke="${p.color}" stroke-width="2.5"/>`,
      );
    else
      g.push(
        `<circle cx="${r2(x)}" cy="${r2(y)}" r="${front[i] ? 6 : 4.5}" fill="${p.color}" stroke="${front[i] ? "#111111" : "#ffffff"}" stroke-width="${front[i] ? 2 : 1}"/>`,
      );
    if (labelAll || front[i] || p.important) {
      // Labels near the right edge go to the left of their point; overlapping ones stack downwards.
      const w = p.label.length * 6.2;
      const left = x + 8 + w > width - 4;
      const x0 = left ? x - 8 - w : x + 8;
      let ly = y - 8;
      while (placed.some((b) => Math.abs(b.y - ly) < 11 && b.x0 < x0 + w && x0 < b.x0 + b.w)) ly += 12;
      placed.push({ x0, y: ly, w });
      g.push(
        `<text x="${r2(left ? x - 8 : x + 8)}" y="${r2(ly)}" font-size="11" fill="#222"${left ? ' text-anchor="end"' : ""}>${esc(p.label)}</text>`,
      );
    }
    parts.push(
      `<g class="point${front[i] ? " on-front" : ""}"><title>${esc(p.label)}: ${p.x}, ${p.y}</title>${g.join("")}</g>`,
    );
  });

  const groups: { label: string; color: string; dashed?: boolean }[] = [
    ...new Map(pts.map((p) => [p.group, p.color])).entries(),
  ].map(([label, color]) => ({ label, color }));
  groups.push({ label: "Pareto front", color: "#111111", dashed: true });
  parts.push(legendBox(groups, f.left, height - 40, width - f.left - 20));
  parts.push(
    `<text x="${f.left}" y="${height - 12}" font-size="10" fill="#666">Points: mean over seeds; bars: ± std. Ringed points are not dominated on these two tasks.</text>`,
  );
  return {
    name: input.name,
    title: input.title,
    width,
    height,
    svg: svgDoc(width, height, input.title, parts.join("")),
  };
}

function pickWorse(a: number, b: number, d: Direction): number {
  return d === "max" ? Math.min(a, b) : Math.max(a, b);
}

function finite(x: number | undefined): number | undefined {
  return x !== undefined && Number.isFinite(x) && x > 0 ? x : undefined;
}
