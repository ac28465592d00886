/** Horizontal bar chart: parameter importance, one bar per parameter, largest first. */
import { esc, niceTicks, type Plot, r2, scale, svgDoc, tickLabel } from "./common.ts";
import { chartLayout, chartText } from "./layout.ts";

/** Input of {@link barChart}. */
export interface BarInput {
  name: string;
  title: string;
  bars: readonly { label: string; value: number; tip?: string }[];
  xLabel: string;
  /** x range. @default [0, the largest value] */
  xDomain?: [number, number];
  notes?: string[];
  /** @default 620 */
  width?: number;
  color?: string;
}

export function barChart(input: BarInput): Plot {
  const max = Math.max(0, ...input.bars.map((b) => b.value).filter(Number.isFinite));
  const xd = input.xDomain ?? [0, max > 0 ? max : 1];
  const xTicks = niceTicks(xd[0], xd[1], 4);
  const row = 24;
  const layout = chartLayout({
    width: input.width ?? 620,
    plotHeight: Math.max(1, input.bars.length) * row + 8,
    title: input.title,
    yTicks: input.bars.map((b) => b.label),
    xLabel: input.xLabel,
    notes: input.notes ?? [],
    rightPad: 60,
  });
  const f = layout.frame;
  const sx = scale(xd[0], xd[1], f.left, f.right);
  const parts: string[] = [];
  for (const t of xTicks)
    parts.push(
      `<line x1="${r2(sx(t))}" y1="${f.top}" x2="${r2(sx(t))}" y2="${f.bottom}" stroke="#e6e6e6"/>`,
      `<text class="tick" x="${r2(sx(t))}" y="${layout.xTickY}" text-anchor="middle" fill="#444">${tickLabel(t, xTicks)}</text>`,
    );
  input.bars.forEach((b, i) => {
    const y = f.top + 4 + i * row;
    const w = Number.isFinite(b.value) ? Math.max(0, sx(b.value) - f.left) : 0;
    parts.push(
      `<g class="bar"><title>${esc(b.tip ?? `${b.label}: ${b.value}`)}</title>`,
      `<rect x="${f.left}" y="${r2(y + 3)}" width="${r2(w)}" height="${row - 8}" fill="${input.color ?? "#4e79a7"}"/>`,
      `<text class="tick" x="${f.left - 6}" y="${r2(y + row / 2 + 3)}" text-anchor="end">${esc(b.label)}</text>`,
      `<text class="value" x="${r2(f.left + w + 4)}" y="${r2(y + row / 2 + 3)}" font-size="11" fill="#333">${esc(tickLabel(b.value, [0, 0.01]))}</text>`,
      "</g>",
    );
  });
  parts.push(
    `<line x1="${f.left}" y1="${f.top}" x2="${f.left}" y2="${f.bottom}" stroke="#888"/>`,
    `<text class="axis-label" x="${r2((f.left + f.right) / 2)}" y="${layout.xLabelY}" text-anchor="middle">${esc(input.xLabel)}</text>`,
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
