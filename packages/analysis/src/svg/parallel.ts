/**
 * Parallel coordinates: one vertical axis per swept parameter and one for the objective, one
 * line per trial through its values, coloured by the objective (yellow = better).
 */
import { fmtNumber } from "../format.ts";
import { esc, niceTicks, type Plot, r2, scale, svgDoc, viridis } from "./common.ts";
import { chartLayout, chartText } from "./layout.ts";
import { clip } from "./lines.ts";

/** An axis: numbers (linear or log), or categories in the order given. */
export type ParallelAxis =
  | { name: string; kind: "linear" | "log"; values: readonly (number | null)[] }
  | { name: string; kind: "category"; categories: readonly string[]; values: readonly (string | null)[] };

/** Input of {@link parallelCoordinates}. */
export interface ParallelInput {
  name: string;
  title: string;
  axes: readonly ParallelAxis[];
  /** One per line (trial): its objective, which colours it. */
  score: readonly number[];
  /** Which way the score is better. */
  direction: "max" | "min";
  scoreLabel: string;
  /** One tooltip per line. */
  tips: readonly string[];
  notes?: string[];
  /** @default 960 */
  width?: number;
}

export function parallelCoordinates(input: ParallelInput): Plot {
  const width = input.width ?? 960;
  const layout = chartLayout({
    width,
    plotHeight: 280,
    title: input.title,
    // Room for the first axis' tick labels on its left.
    yTicks: ["0.0000"],
    notes: input.notes ?? [],
    xTickBand: 30,
    rightPad: 70,
  });
  const f = layout.frame;
  const n = input.axes.length;
  const step = n > 1 ? (f.right - f.left) / (n - 1) : 0;
  const xOf = (i: number) => f.left + i * step;
  const fin = input.score.filter(Number.isFinite);
  const lo = Math.min(...fin);
  const hi = Math.max(...fin);
  const good = (v: number) => {
    const t = hi === lo ? 0.5 : (v - lo) / (hi - lo);
    return input.direction === "max" ? t : 1 - t;
  };
  // Each axis maps its values to [bottom, top].
  const mappers = input.axes.map((a) => {
    if (a.kind === "category") {
      const m = scale(-0.5, a.categories.length - 0.5, f.bottom, f.top);
      return {
        y: (v: number | string | null) => (v === null ? Number.NaN : m(a.categories.indexOf(String(v)))),
        ticks: a.categories.map((c, k) => ({ y: m(k), label: c })),
      };
    }
    const vs = a.values.filter(
      (v): v is number => v !== null && Number.isFinite(v) && (a.kind !== "log" || v > 0),
    );
    const t = (v: number) => (a.kind === "log" ? Math.log10(v) : v);
    let d0 = Math.min(...vs.map(t));
    let d1 = Math.max(...vs.map(t));
    if (!Number.isFinite(d0)) [d0, d1] = [0, 1];
    if (d0 === d1) [d0, d1] = [d0 - 0.5, d1 + 0.5];
    const m = scale(d0, d1, f.bottom, f.top);
    const ticks =
      a.kind === "log"
        ? niceTicks(Math.ceil(d0 - 1e-9), Math.floor(d1 + 1e-9), 4)
            .filter(Number.isInteger)
            .map((e) => ({ y: m(e), label: fmtNumber(10 ** e) }))
        : niceTicks(d0, d1, 4).map((v) => ({ y: m(v), label: fmtNumber(v) }));
    return {
      y: (v: number | string | null) =>
        typeof v === "number" && Number.isFinite(v) && (a.kind !== "log" || v > 0) ? m(t(v)) : Number.NaN,
      ticks,
    };
  });
  const parts: string[] = [];
  // Worse lines first so the better ones are drawn on top.
  const order = input.score
    .map((_, j) => j)
    .sort((a, b) => good(input.score[a] ?? lo) - good(input.score[b] ?? lo));
  for (const j of order) {
    const pts = input.axes.map((a, i) => [xOf(i), mappers[i]!.y(a.values[j] ?? null)] as const);
    const d = pts
      .filter(([, y]) => Number.isFinite(y))
      .map(([x, y], k) => `${k === 0 ? "M" : "L"}${r2(x)},${r2(y)}`)
      .join(" ");
    const s = input.score[j]!;
    parts.push(
      `<path class="trial" d="${d}" fill="none" stroke="${Number.isFinite(s) ? viridis(good(s)) : "#bbbbbb"}" stroke-width="1.4" opacity="0.75"><title>${esc(input.tips[j] ?? "")}</title></path>`,
    );
  }
  input.axes.forEach((a, i) => {
    const x = xOf(i);
    parts.push(`<line x1="${r2(x)}" y1="${f.top}" x2="${r2(x)}" y2="${f.bottom}" stroke="#333"/>`);
    // Tick labels on the axis' right, in a white box so lines do not hide them; few enough not to touch.
    const room = Math.max(24, step - 14);
    let lastY = Number.POSITIVE_INFINITY;
    for (const t of mappers[i]!.ticks) {
      if (Math.abs(t.y - lastY) < 13) continue;
      lastY = t.y;
      parts.push(
        `<text class="tick" x="${r2(x + 4)}" y="${r2(t.y + 4)}" font-size="10" fill="#222" stroke="#ffffff" stroke-width="3" paint-order="stroke">${esc(clip(t.label, i === n - 1 ? 60 : room, 10))}</text>`,
      );
    }
    parts.push(
      `<text class="axis-name" x="${r2(x)}" y="${layout.xTickY + 4}" text-anchor="middle" font-weight="bold">${esc(clip(a.name, Math.max(30, step - 8)))}</text>`,
    );
  });
  parts.push(chartText(layout));
  return {
    name: input.name,
    title: input.title,
    width: layout.width,
    height: layout.height,
    svg: svgDoc(layout.width, layout.height, input.title, parts.join("")),
  };
}
