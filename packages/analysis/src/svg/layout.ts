/**
 * The one layout routine of every plot: it measures the text a chart carries (title, tick
 * labels, axis labels, legend, notes), reserves a band for each, and gives the plot area what is
 * left, so that no text is drawn over other text. Widths are estimated from the font size
 * (DejaVu Sans, the report's first font, averages under 0.62 em a character); the Chromium test
 * checks the real boxes.
 */
import { esc, type Frame, r2 } from "./common.ts";

/** Average character width of the plots' font, in em, rounded up. */
const EM_PER_CHAR = 0.62;

/** Estimated width of `text` in pixels at `fontSize`. */
export function textWidth(text: string, fontSize = 12): number {
  return [...text].length * EM_PER_CHAR * fontSize;
}

/** Breaks `text` into lines no wider than `maxWidth` at `fontSize` (a word longer than a line stands alone). */
export function wrapLines(text: string, maxWidth: number, fontSize = 12): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, fontSize) > maxWidth) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** A legend entry: a line swatch (dashed for baselines) or a marker. */
export interface LegendItem {
  label: string;
  color: string;
  dashed?: boolean;
  /** Draw a filled circle instead of a line. */
  marker?: boolean;
}

const LEGEND_ROW = 18;
const LEGEND_FONT = 12;
const NOTE_ROW = 13;
const NOTE_FONT = 10;
const TITLE_FONT = 14;
const TITLE_ROW = 18;

/** Where each band of a chart goes. */
export interface ChartLayout {
  width: number;
  height: number;
  /** The plot area. */
  frame: Frame;
  titleLines: string[];
  /** Baseline of the x-axis tick labels and of the x-axis label. */
  xTickY: number;
  xLabelY: number;
  /** Centre x of the rotated y-axis label. */
  yLabelX: number;
  legend: { x: number; y: number; item: LegendItem }[];
  notes: { y: number; text: string }[];
}

/** What a chart carries besides its data. */
export interface ChartText {
  width: number;
  /** Height of the plot area. */
  plotHeight: number;
  title: string;
  /** The y tick labels (their widest sets the left margin). */
  yTicks: readonly string[];
  xLabel?: string;
  yLabel?: string;
  legend?: readonly LegendItem[];
  notes?: readonly string[];
  /** Room on the right of the plot area (labels that hang over its edge). @default 16 */
  rightPad?: number;
  /** Room under the plot area for x tick labels. @default 18 */
  xTickBand?: number;
}

/** Lays a chart out top to bottom: title, plot area, x ticks, x label, legend rows, notes. */
export function chartLayout(t: ChartText): ChartLayout {
  const pad = 10;
  const titleLines = wrapLines(t.title, t.width - 2 * pad, TITLE_FONT);
  const top = pad + titleLines.length * TITLE_ROW + 8;
  const yTickWidth = Math.max(0, ...t.yTicks.map((s) => textWidth(s)));
  const yLabelX = pad + 8;
  const left = Math.ceil((t.yLabel ? yLabelX + 14 : pad) + yTickWidth + 10);
  const right = t.width - (t.rightPad ?? 16);
  const bottom = top + t.plotHeight;
  const xTickY = bottom + 16;
  let y = bottom + (t.xTickBand ?? 18);
  const xLabelY = y + 16;
  if (t.xLabel) y += 24;
  const legend: ChartLayout["legend"] = [];
  if (t.legend && t.legend.length > 0) {
    y += 8;
    let x = left;
    let row = y + LEGEND_ROW / 2;
    for (const item of t.legend) {
      const w = 22 + textWidth(item.label, LEGEND_FONT) + 14;
      if (x > left && x + w > t.width - pad) {
        x = left;
        row += LEGEND_ROW;
      }
      legend.push({ x, y: row, item });
      x += w;
    }
    y = row + LEGEND_ROW / 2;
  }
  const notes: ChartLayout["notes"] = [];
  if (t.notes && t.notes.length > 0) {
    y += 6;
    for (const n of t.notes)
      for (const line of wrapLines(n, t.width - left - pad, NOTE_FONT)) {
        y += NOTE_ROW;
        notes.push({ y, text: line });
      }
  }
  return {
    width: t.width,
    height: Math.ceil(y + pad),
    frame: { left, top, right, bottom },
    titleLines,
    xTickY,
    xLabelY,
    yLabelX,
    legend,
    notes,
  };
}

/** The title, legend and notes of a laid-out chart. */
export function chartText(l: ChartLayout): string {
  const parts = l.titleLines.map(
    (line, i) =>
      `<text class="title" x="${r2(l.width / 2)}" y="${10 + TITLE_ROW * (i + 1) - 4}" text-anchor="middle" font-size="${TITLE_FONT}" font-weight="bold">${esc(line)}</text>`,
  );
  for (const { x, y, item } of l.legend) {
    parts.push(
      item.marker
        ? `<circle cx="${r2(x + 8)}" cy="${r2(y)}" r="4.5" fill="${item.color}"/>`
        : `<line x1="${r2(x)}" y1="${r2(y)}" x2="${r2(x + 16)}" y2="${r2(y)}" stroke="${item.color}" stroke-width="3"${item.dashed ? ' stroke-dasharray="4 3"' : ""}/>`,
      `<text class="legend" x="${r2(x + 22)}" y="${r2(y + 4)}" font-size="${LEGEND_FONT}">${esc(item.label)}</text>`,
    );
  }
  for (const n of l.notes)
    parts.push(
      `<text class="note" x="${l.frame.left}" y="${r2(n.y)}" font-size="${NOTE_FONT}" fill="#555">${esc(n.text)}</text>`,
    );
  return parts.join("");
}

/** Panels of a small-multiples figure: `count` panels in rows of as many as fit `width`. */
export function panelGrid(count: number, width: number, minPanelWidth: number): { columns: number } {
  return { columns: Math.max(1, Math.min(count, Math.floor(width / minPanelWidth))) };
}
