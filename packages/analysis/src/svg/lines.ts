/**
 * Line charts with optional ± bands: learning curves, a metric against a task weight, the best
 * value so far. Many series become small multiples: one panel per series, on shared axes, each
 * with the reference series (the baseline) drawn dashed for comparison.
 */
import { fmtNumber } from "../format.ts";
import { axes, esc, niceTicks, type Plot, padRange, r2, scale, svgDoc, tickLabel } from "./common.ts";
import { chartLayout, chartText, type LegendItem, panelGrid, textWidth, wrapLines } from "./layout.ts";

/** One line: points in x order, each with an optional band [lo, hi]. */
export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  /** Draw the points only (no line): e.g. every trial's value behind a best-so-far line. */
  scatter?: boolean;
  points: readonly { x: number; y: number; lo?: number; hi?: number; tip?: string }[];
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
  /** Lines under the legend saying what the marks are. */
  notes?: string[];
  /** @default 620 */
  width?: number;
  /** Height of the plot area. @default 250 */
  plotHeight?: number;
}

/** Domains and ticks shared by one chart or all panels of a figure. */
function domains(series: readonly Series[], xDomain?: [number, number], integerX?: boolean) {
  const all = series.flatMap((s) => s.points);
  const xd =
    xDomain ??
    padRange(
      all.map((p) => p.x),
      0.02,
    );
  const yd = padRange(all.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]));
  let xTicks = niceTicks(xd[0], xd[1]);
  if (integerX) xTicks = xTicks.filter((t) => Number.isInteger(t));
  const yTicks = niceTicks(yd[0], yd[1]);
  return { xd, yd, xTicks, yTicks };
}

/** The marks of some series in a frame: bands first, then lines, then markers. */
function seriesMarks(
  series: readonly Series[],
  sx: (x: number) => number,
  sy: (y: number) => number,
  markers: boolean,
): string {
  const parts: string[] = [];
  const finite = (s: Series) => s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  for (const s of series) {
    const band = finite(s).filter((p) => Number.isFinite(p.lo) && Number.isFinite(p.hi));
    if (band.length > 1 && !s.scatter) {
      const upper = band.map((p) => `${r2(sx(p.x))},${r2(sy(p.hi!))}`);
      const lower = band.map((p) => `${r2(sx(p.x))},${r2(sy(p.lo!))}`).reverse();
      parts.push(
        `<polygon class="band" points="${[...upper, ...lower].join(" ")}" fill="${s.color}" opacity="0.15"/>`,
      );
    }
  }
  for (const s of series) {
    const pts = finite(s);
    if (pts.length === 0) continue;
    if (!s.scatter) {
      const d = pts.map((p, i) => `${i === 0 ? "M" : "L"}${r2(sx(p.x))},${r2(sy(p.y))}`).join(" ");
      parts.push(
        `<path class="series" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
      );
    }
    if ((markers && !s.dashed) || pts.length === 1 || s.scatter)
      for (const p of pts) {
        if (Number.isFinite(p.lo) && Number.isFinite(p.hi))
          parts.push(
            `<line x1="${r2(sx(p.x))}" y1="${r2(sy(p.lo!))}" x2="${r2(sx(p.x))}" y2="${r2(sy(p.hi!))}" stroke="${s.color}" opacity="0.6"/>`,
          );
        const tip = p.tip ?? `${s.label}: ${fmtNumber(p.x)}, ${fmtNumber(p.y)}`;
        parts.push(
          `<circle cx="${r2(sx(p.x))}" cy="${r2(sy(p.y))}" r="${s.scatter ? 3 : 3.5}" fill="${s.color}"${s.scatter ? ' opacity="0.55"' : ""}><title>${esc(tip)}</title></circle>`,
        );
      }
  }
  return parts.join("");
}

/** One chart with every series on the same axes. */
export function lineChart(input: LineInput): Plot {
  const { xd, yd, xTicks, yTicks } = domains(input.series, input.xDomain, input.integerX);
  const legend: LegendItem[] = input.series.map((s) => ({
    label: s.label,
    color: s.color,
    ...(s.dashed ? { dashed: true } : {}),
    ...(s.scatter ? { marker: true } : {}),
  }));
  const layout = chartLayout({
    width: input.width ?? 620,
    plotHeight: input.plotHeight ?? 250,
    title: input.title,
    yTicks: yTicks.map((t) => tickLabel(t, yTicks)),
    xLabel: input.xLabel,
    yLabel: input.yLabel,
    legend,
    notes: input.notes ?? [],
  });
  const f = layout.frame;
  const sx = scale(xd[0], xd[1], f.left, f.right);
  const sy = scale(yd[0], yd[1], f.bottom, f.top);
  const body = [
    axes(f, xd, yd, input.xLabel, input.yLabel, layout, xTicks, yTicks),
    seriesMarks(input.series, sx, sy, input.markers ?? false),
    chartText(layout),
  ].join("");
  return {
    name: input.name,
    title: input.title,
    width: layout.width,
    height: layout.height,
    svg: svgDoc(layout.width, layout.height, input.title, body),
  };
}

/** Input of {@link smallMultiples}: one panel per series, each with its reference series too. */
export interface MultiplesInput extends Omit<LineInput, "markers"> {
  /** Drawn dashed in the panel of the same index (each configuration's own single-task baseline). */
  references?: readonly (Series | undefined)[];
  /** The legend's name for the dashed reference lines. @default "single-task" */
  referenceLabel?: string;
  /** Narrowest panel. @default 220 */
  minPanelWidth?: number;
  /**
   * Each panel's own x axis (slice plots: one parameter per panel), aligned with `series`; then
   * every panel writes its x ticks. @default one x axis shared by all panels
   */
  panelX?: readonly { domain: [number, number]; ticks: number[]; format: (t: number) => string }[];
}

/**
 * Small multiples: one panel per series on shared x and y ranges, so shapes compare at a glance;
 * each panel is titled by its series and shows the reference dashed.
 */
export function smallMultiples(input: MultiplesInput): Plot {
  const width = input.width ?? 960;
  const refs = input.references ?? [];
  const all = [...input.series, ...refs.filter((r): r is Series => r !== undefined)];
  const { xd, yd, xTicks, yTicks } = domains(all, input.xDomain, input.integerX);
  const { columns } = panelGrid(input.series.length, width - 40, input.minPanelWidth ?? 220);
  const rows = Math.ceil(input.series.length / columns);
  const panelPlot = input.plotHeight ?? 120;
  const yLabels = yTicks.map((t) => tickLabel(t, yTicks));
  const tickW = Math.max(...yLabels.map((s) => textWidth(s))) + 10;
  // Room for a two-line panel title: configuration labels are long and tell the panels apart.
  const panelTitle = 32;
  const panelTicks = 20;
  const panelHeight = panelTitle + panelPlot + panelTicks;
  const firstRef = refs.find((r) => r !== undefined);
  const legend: LegendItem[] = firstRef
    ? [{ label: input.referenceLabel ?? "single-task", color: firstRef.color, dashed: true }]
    : [];
  // The grid is the layout's plot area; its y label and ticks belong to the panels.
  const layout = chartLayout({
    width,
    plotHeight: rows * panelHeight,
    title: input.title,
    yTicks: [],
    xLabel: input.xLabel,
    yLabel: input.yLabel,
    legend,
    notes: input.notes ?? [],
    xTickBand: 0,
  });
  const g = layout.frame;
  const parts: string[] = [];
  input.series.forEach((s, i) => {
    const col = i % columns;
    const row = Math.floor(i / columns);
    const x0 = g.left + col * ((g.right - g.left) / columns);
    const w = (g.right - g.left) / columns;
    const y0 = g.top + row * panelHeight;
    const f = {
      left: x0 + tickW,
      top: y0 + panelTitle,
      right: x0 + w - 12,
      bottom: y0 + panelTitle + panelPlot,
    };
    const own = input.panelX?.[i];
    const pxd = own?.domain ?? xd;
    const sx = scale(pxd[0], pxd[1], f.left, f.right);
    const sy = scale(yd[0], yd[1], f.bottom, f.top);
    // Only the first column carries y tick labels and only the bottom panel of each column x tick
    // labels (every panel when each has its own x axis).
    const labels = {
      x: own !== undefined || row === rows - 1 || i + columns >= input.series.length,
      y: col === 0,
    };
    const ref = refs[i];
    const title = wrapLines(s.label, f.right - f.left, 11).slice(0, 2);
    if (wrapLines(s.label, f.right - f.left, 11).length > 2)
      title[1] = clip(title[1]!, f.right - f.left - 8, 11);
    parts.push(
      `<g class="panel">`,
      axes(
        f,
        pxd,
        yd,
        "",
        "",
        { xTickY: f.bottom + 15, xLabelY: 0, yLabelX: 0 },
        own?.ticks ?? xTicks,
        yTicks,
        labels,
        ...(own ? [own.format] : []),
      ),
      ...title.map(
        (line, k) =>
          `<text class="panel-title" x="${r2(f.left)}" y="${r2(y0 + 12 + k * 13)}" font-size="11" font-weight="bold" fill="${s.color}">${esc(line)}</text>`,
      ),
      seriesMarks(ref ? [ref, s] : [s], sx, sy, false),
      "</g>",
    );
  });
  parts.push(chartText(layout));
  if (input.xLabel)
    parts.push(
      `<text class="axis-label" x="${r2((g.left + g.right) / 2)}" y="${layout.xLabelY}" text-anchor="middle">${esc(input.xLabel)}</text>`,
    );
  if (input.yLabel)
    parts.push(
      `<text class="axis-label" transform="translate(${layout.yLabelX} ${r2((g.top + g.bottom) / 2)}) rotate(-90)" text-anchor="middle" dominant-baseline="central">${esc(input.yLabel)}</text>`,
    );
  return {
    name: input.name,
    title: input.title,
    width: layout.width,
    height: layout.height,
    svg: svgDoc(layout.width, layout.height, input.title, parts.join("")),
  };
}

/** Cuts a label to fit `px` pixels at 12 px, with "…". */
export function clip(label: string, px: number, fontSize = 12): string {
  if (textWidth(label, fontSize) <= px) return label;
  const n = Math.max(1, Math.floor(px / (textWidth("x", fontSize) || 1)) - 1);
  return `${[...label].slice(0, n).join("")}…`;
}
