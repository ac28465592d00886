/** Pareto scatter: two tasks' metrics, one point per row, the non-dominated ones joined. */

import { onParetoFront } from "@mtl/scheduler";
import type { Direction } from "@mtl/spec";
import { fmtNumber } from "../format.ts";
import { axes, esc, niceTicks, type Plot, padRange, r2, scale, svgDoc, tickLabel } from "./common.ts";
import { chartLayout, chartText, type LegendItem, textWidth } from "./layout.ts";

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
  /** Labelled before the others (after the front). */
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
  /** @default 620 */
  width?: number;
  /** Height of the plot area. @default 320 */
  plotHeight?: number;
}

/** A box of text or of a marker, for collision tests. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export const overlaps = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

const LABEL_FONT = 11;

/**
 * Places labels next to their points without covering another label or another point: for each
 * point (the front first, then the important ones, then the rest) the first free spot of eight
 * around it, nearer ones first. A label with no free spot is left out (its point keeps its
 * tooltip); returns how many were.
 */
export function placeLabels(
  anchors: readonly { x: number; y: number; label: string }[],
  order: readonly number[],
  bounds: Box,
): { placed: Map<number, { x: number; y: number; anchor: "start" | "end" | "middle" }>; left: number } {
  const marks: Box[] = anchors.map((a) => ({ x0: a.x - 6, y0: a.y - 6, x1: a.x + 6, y1: a.y + 6 }));
  const taken: Box[] = [];
  const placed = new Map<number, { x: number; y: number; anchor: "start" | "end" | "middle" }>();
  let left = 0;
  const h = LABEL_FONT + 2;
  for (const i of order) {
    const a = anchors[i]!;
    const w = textWidth(a.label, LABEL_FONT);
    const spots: { x: number; y: number; anchor: "start" | "end" | "middle"; box: Box }[] = [];
    for (const d of [8, 18]) {
      const cands: [number, number, "start" | "end" | "middle"][] = [
        [a.x + d, a.y + 4, "start"],
        [a.x - d, a.y + 4, "end"],
        [a.x, a.y - d, "middle"],
        [a.x, a.y + d + h - 2, "middle"],
        [a.x + d * 0.7, a.y - d * 0.7, "start"],
        [a.x - d * 0.7, a.y - d * 0.7, "end"],
        [a.x + d * 0.7, a.y + d * 0.7 + h - 2, "start"],
        [a.x - d * 0.7, a.y + d * 0.7 + h - 2, "end"],
      ];
      for (const [x, y, anchor] of cands) {
        const x0 = anchor === "start" ? x : anchor === "end" ? x - w : x - w / 2;
        spots.push({ x, y, anchor, box: { x0, y0: y - h + 2, x1: x0 + w, y1: y + 3 } });
      }
    }
    const free = spots.find(
      (s) =>
        s.box.x0 >= bounds.x0 &&
        s.box.x1 <= bounds.x1 &&
        s.box.y0 >= bounds.y0 &&
        s.box.y1 <= bounds.y1 &&
        !taken.some((b) => overlaps(b, s.box)) &&
        !marks.some((m, j) => j !== i && overlaps(m, s.box)),
    );
    if (!free) {
      left++;
      continue;
    }
    taken.push(free.box);
    placed.set(i, { x: free.x, y: free.y, anchor: free.anchor });
  }
  return { placed, left };
}

/** Draws the scatter; the front is recomputed over the two plotted objectives. */
export function paretoScatter(input: ScatterInput): Plot {
  const pts = input.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const front = onParetoFront(pts, (p) => [p.x, p.y], [input.xDirection, input.yDirection]);
  const xs = pts.flatMap((p) => [p.x - (finite(p.xErr) ?? 0), p.x + (finite(p.xErr) ?? 0)]);
  const ys = pts.flatMap((p) => [p.y - (finite(p.yErr) ?? 0), p.y + (finite(p.yErr) ?? 0)]);
  const xd = padRange(xs, 0.12);
  const yd = padRange(ys, 0.12);
  const yTicks = niceTicks(yd[0], yd[1]);
  const groups: LegendItem[] = [...new Map(pts.map((p) => [p.group, p.color])).entries()].map(
    ([label, color]) => ({ label, color, marker: true }),
  );
  groups.push({ label: "Pareto front", color: "#111111", dashed: true });
  const arrow = (d: Direction) => (d === "max" ? "higher is better" : "lower is better");
  const notes = ["Points: mean over seeds; bars: ± std. Ringed points are not dominated on these two tasks."];
  // A first layout to find the plot area; labels left out are counted into a second.
  const text = {
    width: input.width ?? 620,
    plotHeight: input.plotHeight ?? 320,
    title: input.title,
    yTicks: yTicks.map((t) => tickLabel(t, yTicks)),
    xLabel: `${input.xLabel} (${arrow(input.xDirection)})`,
    yLabel: `${input.yLabel} (${arrow(input.yDirection)})`,
    legend: groups,
  };
  let layout = chartLayout({ ...text, notes });
  const f = layout.frame;
  const sx = scale(xd[0], xd[1], f.left, f.right);
  const sy = scale(yd[0], yd[1], f.bottom, f.top);
  const parts: string[] = [axes(f, xd, yd, text.xLabel, text.yLabel, layout, undefined, yTicks)];

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

  const anchors = pts.map((p) => ({ x: sx(p.x), y: sy(p.y), label: p.label }));
  const rank = (i: number) => (front[i] ? 0 : pts[i]!.important ? 1 : pts[i]!.baseline ? 2 : 3);
  const order = pts.map((_, i) => i).sort((a, b) => rank(a) - rank(b) || a - b);
  const { placed, left } = placeLabels(anchors, order, {
    x0: f.left + 2,
    y0: f.top + 2,
    x1: f.right - 2,
    y1: f.bottom - 2,
  });
  pts.forEach((p, i) => {
    const { x, y } = anchors[i]!;
    const g: string[] = [];
    const xe = finite(p.xErr);
    const ye = finite(p.yErr);
    if (xe)
      g.push(
        `<line x1="${r2(sx(p.x - xe))}" y1="${r2(y)}" x2="${r2(sx(p.x + xe))}" y2="${r2(y)}" stroke="${p.color}" opacity="0.5"/>`,
      );
    if (ye)
      g.push(
        `<line x1="${r2(x)}" y1="${r2(sy(p.y - ye))}" x2="${r2(x)}" y2="${r2(sy(p.y + ye))}" stroke="${p.color}" opacity="0.5"/>`,
      );
    if (p.baseline)
      g.push(
        `<path d="M${r2(x - 6)},${r2(y - 6)} L${r2(x + 6)},${r2(y + 6)} M${r2(x - 6)},${r2(y + 6)} L${r2(x + 6)},${r2(y - 6)}" stroke="${p.color}" stroke-width="2.5"/>`,
      );
    else
      g.push(
        `<circle cx="${r2(x)}" cy="${r2(y)}" r="${front[i] ? 6 : 4.5}" fill="${p.color}" stroke="${front[i] ? "#111111" : "#ffffff"}" stroke-width="${front[i] ? 2 : 1}"/>`,
      );
    const at = placed.get(i);
    if (at)
      g.push(
        `<text class="point-label" x="${r2(at.x)}" y="${r2(at.y)}" font-size="${LABEL_FONT}" fill="#222"${at.anchor === "start" ? "" : ` text-anchor="${at.anchor}"`}>${esc(p.label)}</text>`,
      );
    parts.push(
      `<g class="point${front[i] ? " on-front" : ""}"><title>${esc(p.label)}: ${esc(input.xLabel)} ${fmtNumber(p.x)}, ${esc(input.yLabel)} ${fmtNumber(p.y)}</title>${g.join("")}</g>`,
    );
  });
  if (left > 0) {
    notes.push(
      `${left} label${left === 1 ? "" : "s"} left out where points crowd (hover a point for its name; the table lists every row).`,
    );
    // The plot area is unchanged: only the notes' band grows.
    layout = chartLayout({ ...text, notes });
  }
  parts.push(chartText(layout));
  return {
    name: input.name,
    title: input.title,
    width: layout.width,
    height: layout.height,
    svg: svgDoc(layout.width, layout.height, input.title, parts.join("")),
  };
}

function pickWorse(a: number, b: number, d: Direction): number {
  return d === "max" ? Math.min(a, b) : Math.max(a, b);
}

function finite(x: number | undefined): number | undefined {
  return x !== undefined && Number.isFinite(x) && x > 0 ? x : undefined;
}
