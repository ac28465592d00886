/**
 * Line charts in Unicode braille: each character cell holds 2×4 dots, so a chart of w×h cells
 * plots 2w×4h points. Pure: it returns rows of runs, each run tagged with the series that drew
 * it last, and the component colours them.
 */

/** One run of characters in a chart row; `series` is the index of the series that drew it. */
export interface Run {
  text: string;
  series: number | null;
}

export interface ChartRange {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

export interface BrailleChart extends ChartRange {
  rows: Run[][];
}

// Bit of each dot, indexed [column][row] within a cell (Unicode braille patterns block).
const DOT = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
];

/** The range covering every finite point, widened when flat so that a constant line sits mid-height. */
export function rangeOf(series: readonly (readonly [number, number])[][]): ChartRange | null {
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const s of series)
    for (const [x, y] of s) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      xMin = Math.min(xMin, x);
      xMax = Math.max(xMax, x);
      yMin = Math.min(yMin, y);
      yMax = Math.max(yMax, y);
    }
  if (!Number.isFinite(xMin)) return null;
  if (yMin === yMax) {
    const pad = Math.abs(yMin) * 0.05 || 0.5;
    yMin -= pad;
    yMax += pad;
  }
  return { xMin, xMax, yMin, yMax };
}

/**
 * Plots each series as connected points in a `width`×`height` cell chart. Points outside the
 * range are clipped; with no finite points the rows are blank.
 */
export function brailleChart(
  series: readonly (readonly [number, number])[][],
  width: number,
  height: number,
  range: ChartRange | null = rangeOf(series),
): BrailleChart {
  const w = Math.max(1, Math.floor(width));
  const h = Math.max(1, Math.floor(height));
  const bits = new Uint8Array(w * h);
  const owner = new Int16Array(w * h).fill(-1);
  const W = 2 * w;
  const H = 4 * h;
  const r = range ?? { xMin: 0, xMax: 1, yMin: 0, yMax: 1 };
  const px = (x: number) =>
    r.xMax === r.xMin ? 0 : Math.round(((x - r.xMin) / (r.xMax - r.xMin)) * (W - 1));
  const py = (y: number) => Math.round(((r.yMax - y) / (r.yMax - r.yMin)) * (H - 1));
  const plot = (x: number, y: number, s: number) => {
    if (x < 0 || x >= W || y < 0 || y >= H) return;
    const cell = Math.floor(y / 4) * w + Math.floor(x / 2);
    bits[cell]! |= DOT[x % 2]![y % 4]!;
    owner[cell] = s;
  };
  const line = (x0: number, y0: number, x1: number, y1: number, s: number) => {
    // Bresenham: every dot between two points, so steep segments stay connected.
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    for (;;) {
      plot(x0, y0, s);
      if (x0 === x1 && y0 === y1) return;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  };
  if (range)
    series.forEach((points, s) => {
      let prev: [number, number] | null = null;
      for (const [x, y] of points) {
        if (!Number.isFinite(x) || !Number.isFinite(y)) {
          prev = null;
          continue;
        }
        const p: [number, number] = [px(x), py(y)];
        if (prev) line(prev[0], prev[1], p[0], p[1], s);
        else plot(p[0], p[1], s);
        prev = p;
      }
    });
  const rows: Run[][] = [];
  for (let row = 0; row < h; row++) {
    const runs: Run[] = [];
    for (let col = 0; col < w; col++) {
      const i = row * w + col;
      const ch = bits[i] ? String.fromCharCode(0x2800 + bits[i]!) : " ";
      const series = bits[i] ? owner[i]! : null;
      const last = runs[runs.length - 1];
      if (last && last.series === series) last.text += ch;
      else runs.push({ text: ch, series });
    }
    rows.push(runs);
  }
  return { ...r, rows };
}

const BLOCKS = "▁▂▃▄▅▆▇█";

/** A one-line sparkline of the last `width` values. */
export function sparkline(values: readonly number[], width: number): string {
  const xs = values.filter(Number.isFinite).slice(-width);
  if (xs.length === 0) return "";
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return xs.map((v) => BLOCKS[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * 7)]).join("");
}
