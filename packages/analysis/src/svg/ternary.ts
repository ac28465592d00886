/**
 * Heat map over the weight simplex of three tasks. The triangle is cut into small triangles,
 * each coloured by the nearest measured weight setting (a Voronoi map: piecewise constant, so
 * it invents no values between the settings that were run); the settings are drawn as dots.
 */
import type { Direction } from "@mtl/spec";
import { fmtNumber } from "../format.ts";
import { esc, type Plot, r2, svgDoc, tickLabel, viridis } from "./common.ts";
import { chartLayout, chartText } from "./layout.ts";

/** One measured setting: weight shares (summing to 1) in corner order, and the metric's mean. */
export interface TernarySample {
  w: [number, number, number];
  value: number;
  label?: string;
}

/** Input of {@link ternaryHeatmap}. */
export interface TernaryInput {
  name: string;
  title: string;
  /** Task names at the top, bottom-left and bottom-right corners. */
  corners: [string, string, string];
  samples: readonly TernarySample[];
  metricLabel: string;
  direction: Direction;
  /** Subdivisions per edge. @default 24 */
  resolution?: number;
}

/** Draws the heat map; brighter (yellow) is always better, whatever the metric's direction. */
export function ternaryHeatmap(input: TernaryInput): Plot {
  const side = 360;
  const h = (side * Math.sqrt(3)) / 2;
  const layout = chartLayout({
    width: 580,
    // The triangle, its corner labels above and below, and the colour bar beside it.
    plotHeight: h + 48,
    title: input.title,
    yTicks: [],
    notes: [
      "Position: share of the task weights λ (a corner = all weight on that task). Colour: mean over seeds of the nearest setting run (dots; ringed = best). Yellow is better.",
    ],
  });
  const y0 = layout.frame.top + 22;
  const top = { x: 40 + side / 2, y: y0 };
  const bl = { x: 40, y: y0 + h };
  const br = { x: 40 + side, y: y0 + h };
  const at = (w: readonly number[]) => ({
    x: w[0]! * top.x + w[1]! * bl.x + w[2]! * br.x,
    y: w[0]! * top.y + w[1]! * bl.y + w[2]! * br.y,
  });
  const samples = input.samples.filter((s) => Number.isFinite(s.value));
  const values = samples.map((s) => s.value);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const goodness = (v: number) => {
    const t = hi === lo ? 0.5 : (v - lo) / (hi - lo);
    return input.direction === "max" ? t : 1 - t;
  };
  const nearest = (w: readonly number[]) => {
    let best = samples[0]!;
    let bd = Number.POSITIVE_INFINITY;
    for (const s of samples) {
      const d = (s.w[0] - w[0]!) ** 2 + (s.w[1] - w[1]!) ** 2 + (s.w[2] - w[2]!) ** 2;
      if (d < bd - 1e-12) {
        bd = d;
        best = s;
      }
    }
    return best;
  };

  const parts: string[] = [];
  const n = input.resolution ?? 24;
  if (samples.length > 0) {
    const cells: string[] = [];
    const tri = (ws: number[][]) => {
      const c = [0, 1, 2].map((k) => (ws[0]![k]! + ws[1]![k]! + ws[2]![k]!) / 3);
      const color = viridis(goodness(nearest(c).value));
      const pts = ws.map((w) => at(w)).map((p) => `${r2(p.x)},${r2(p.y)}`);
      // A thin stroke of the fill colour hides the hairline seams of anti-aliasing.
      cells.push(`<polygon points="${pts.join(" ")}" fill="${color}" stroke="${color}" stroke-width="0.6"/>`);
    };
    // Lattice point (i, j): share of the bottom-left task i/n, of the bottom-right task j/n.
    const w = (i: number, j: number) => [1 - (i + j) / n, i / n, j / n];
    for (let i = 0; i < n; i++)
      for (let j = 0; i + j < n; j++) {
        tri([w(i, j), w(i + 1, j), w(i, j + 1)]);
        if (i + j < n - 1) tri([w(i + 1, j), w(i, j + 1), w(i + 1, j + 1)]);
      }
    parts.push(`<g class="heat">${cells.join("")}</g>`);
  }
  // Grid lines at 0.2 steps, parallel to each edge.
  const grid: string[] = [];
  for (let k = 1; k < 5; k++) {
    const s = k / 5;
    for (const [a, b] of [
      [at([s, 1 - s, 0]), at([s, 0, 1 - s])],
      [at([1 - s, s, 0]), at([0, s, 1 - s])],
      [at([1 - s, 0, s]), at([0, 1 - s, s])],
    ] as const)
      grid.push(
        `<line x1="${r2(a.x)}" y1="${r2(a.y)}" x2="${r2(b.x)}" y2="${r2(b.y)}" stroke="#ffffff" stroke-opacity="0.35"/>`,
      );
  }
  parts.push(
    `<g class="grid">${grid.join("")}</g>`,
    `<polygon points="${[top, bl, br].map((p) => `${r2(p.x)},${r2(p.y)}`).join(" ")}" fill="none" stroke="#555"/>`,
  );
  const best = samples.reduce<TernarySample | undefined>(
    (b, s) => (b === undefined || goodness(s.value) > goodness(b.value) ? s : b),
    undefined,
  );
  for (const s of samples) {
    const p = at(s.w);
    const isBest = s === best;
    parts.push(
      `<circle class="sample" cx="${r2(p.x)}" cy="${r2(p.y)}" r="${isBest ? 5.5 : 3.5}" fill="#ffffff" stroke="${isBest ? "#d62728" : "#222"}" stroke-width="${isBest ? 2.5 : 1}">` +
        `<title>${esc(s.label ?? s.w.map((x) => fmtNumber(x, 2)).join(", "))}: ${fmtNumber(s.value)}</title></circle>`,
    );
  }
  parts.push(
    `<text x="${r2(top.x)}" y="${r2(top.y - 10)}" text-anchor="middle" font-weight="bold">${esc(input.corners[0])}</text>`,
    `<text x="${r2(bl.x)}" y="${r2(bl.y + 20)}" text-anchor="middle" font-weight="bold">${esc(input.corners[1])}</text>`,
    `<text x="${r2(br.x)}" y="${r2(br.y + 20)}" text-anchor="middle" font-weight="bold">${esc(input.corners[2])}</text>`,
  );
  // Colour bar: bottom = worst, top = best, labelled with the metric's own values.
  const bx = 440;
  const by = y0 + 10;
  const bh = h - 20;
  const stops = Array.from({ length: 11 }, (_, k) => k / 10)
    .map((t) => `<stop offset="${t}" stop-color="${viridis(1 - t)}"/>`)
    .join("");
  const worst = input.direction === "max" ? lo : hi;
  const bestV = input.direction === "max" ? hi : lo;
  parts.push(
    `<defs><linearGradient id="${esc(input.name)}-bar" x1="0" y1="0" x2="0" y2="1">${stops}</linearGradient></defs>`,
    `<rect x="${bx}" y="${by}" width="18" height="${bh}" fill="url(#${esc(input.name)}-bar)" stroke="#555"/>`,
    `<text x="${bx + 24}" y="${by + 4}" dominant-baseline="middle">${Number.isFinite(bestV) ? tickLabel(bestV, [0, Math.abs(hi - lo) / 10 || 0.001]) : "—"}</text>`,
    `<text x="${bx + 24}" y="${by + bh - 4}" dominant-baseline="middle">${Number.isFinite(worst) ? tickLabel(worst, [0, Math.abs(hi - lo) / 10 || 0.001]) : "—"}</text>`,
    `<text x="${bx - 4}" y="${by - 12}" font-size="11">better</text>`,
    `<text transform="translate(${bx + 80} ${by + bh / 2}) rotate(90)" text-anchor="middle">${esc(input.metricLabel)}</text>`,
    chartText(layout),
  );
  return {
    name: input.name,
    title: input.title,
    width: layout.width,
    height: layout.height,
    svg: svgDoc(layout.width, layout.height, input.title, parts.join("")),
  };
}
