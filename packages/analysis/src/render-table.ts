/**
 * The comparison as aligned text for a terminal, fitted to its width: the whole table when it
 * fits; else the table wrapped into blocks of whole column groups (each task, Δm%, the
 * objective), each block repeating the rank and the configuration; below 100 columns a compact
 * table of mean ± std only (intervals and p-values are in `--format md|csv|json`), wrapped the
 * same way when even that is too wide.
 */
import type { CompareRow, Comparison } from "./compare.ts";
import {
  ci,
  columnTitle,
  decimalsFor,
  decimalsFromSpread,
  legend,
  MISSING,
  meanStd,
  metricBounds,
  objectiveText,
  pCell,
} from "./format.ts";

/** One group of columns that stays together when the table wraps (a task's mean, CI and p). */
interface Group {
  header: string[];
  numeric: boolean[];
  /** Cells per row, aligned with `header`. */
  body: string[][];
}

/** Terminals narrower than this get the compact layout (mean ± std, no CI or p). */
export const COMPACT_BELOW = 100;

/** The key columns (rank, configuration, n) and the groups after them, full or compact. */
function groupsOf(cmp: Comparison, compact: boolean): { key: Group; groups: Group[] } {
  const pct = Math.round(cmp.level * 100);
  const key: Group = {
    header: ["rank", "configuration", "n"],
    numeric: [true, false, true],
    body: cmp.rows.map((r) => [r.rank === null ? MISSING : String(r.rank), r.label, seedsText(r)]),
  };
  const groups: Group[] = cmp.columns.map((col, i) => {
    const cells = cmp.rows.map((r) => r.cells[i]!);
    const d = decimalsFromSpread(
      cells.map((c) => c.mean),
      cells.map((c) => c.std),
    );
    const bounds = metricBounds(col.metric);
    return compact
      ? { header: [columnTitle(col)], numeric: [true], body: cells.map((c) => [meanStd(c, d)]) }
      : {
          header: [columnTitle(col), `${pct}% CI`, "p"],
          numeric: [true, true, true],
          body: cmp.rows.map((r) => {
            const c = r.cells[i]!;
            return [meanStd(c, d), ci(c, d, bounds), pCell(c, r.isReference)];
          }),
        };
  });
  if (cmp.hasBaseline) {
    const ds = cmp.rows.flatMap((r) => (r.deltaM ? [r.deltaM] : []));
    const d = decimalsFromSpread(
      ds.map((c) => c.mean),
      ds.map((c) => c.std),
    );
    groups.push(
      compact
        ? {
            header: ["Δm% ↑"],
            numeric: [true],
            body: cmp.rows.map((r) => [r.deltaM ? meanStd(r.deltaM, d, true) : MISSING]),
          }
        : {
            header: ["Δm% ↑", `${pct}% CI`, "p"],
            numeric: [true, true, true],
            body: cmp.rows.map((r) =>
              r.deltaM
                ? [meanStd(r.deltaM, d, true), ci(r.deltaM, d), pCell(r.deltaM, r.isReference)]
                : [MISSING, MISSING, MISSING],
            ),
          },
    );
  }
  const arrows = cmp.objective.directions.map((d) => (d === "max" ? "↑" : "↓")).join("");
  const od = decimalsFor(cmp.rows.flatMap((r) => r.objective ?? []));
  groups.push({
    header: [`${cmp.objective.names.join(", ")} ${arrows}`, "front"],
    numeric: [true, false],
    body: cmp.rows.map((r) => [objectiveText(r.objective, od), r.onParetoFront ? "★" : ""]),
  });
  return { key, groups };
}

function seedsText(r: CompareRow): string {
  return r.diverged.length > 0 ? `${r.seeds.length} (${r.diverged.length} diverged)` : String(r.seeds.length);
}

function join(key: Group, groups: readonly Group[]): Group {
  return {
    header: [...key.header, ...groups.flatMap((g) => g.header)],
    numeric: [...key.numeric, ...groups.flatMap((g) => g.numeric)],
    body: key.body.map((cells, j) => [...cells, ...groups.flatMap((g) => g.body[j]!)]),
  };
}

/** Header and body cells of the whole comparison, shared by the Markdown renderer and the report. */
export function tableCells(cmp: Comparison): { header: string[]; body: string[][]; numeric: boolean[] } {
  const { key, groups } = groupsOf(cmp, false);
  return join(key, groups);
}

/** Options of {@link renderTable}. */
export interface TableOptions {
  /** Columns of the terminal; the table and its legend fit in it. @default no limit */
  width?: number;
}

/** Aligned columns (numbers right-aligned), fitted to `options.width`, followed by the legend. */
export function renderTable(cmp: Comparison, options: TableOptions = {}): string {
  const width = options.width ?? Number.POSITIVE_INFINITY;
  const full = groupsOf(cmp, false);
  const extra: string[] = [];
  let blocks: string[];
  const whole = aligned(join(full.key, full.groups));
  if (maxLen(whole) <= width) blocks = [whole.join("\n")];
  else {
    const compact = width < COMPACT_BELOW;
    const { key, groups } = compact ? groupsOf(cmp, true) : full;
    if (compact)
      extra.push(
        `Compact layout for a ${width}-column terminal: mean ± std only; the ${Math.round(cmp.level * 100)}% intervals and p-values are in a terminal of ${COMPACT_BELOW}+ columns or in --format md|csv|json.`,
      );
    const cut = cutLabels(key, groups, width);
    if (cut < Number.POSITIVE_INFINITY)
      extra.push(`Configurations cut to ${cut} characters to fit; --format md|csv|json has them whole.`);
    blocks = wrapGroups(key, groups, width).map((g) => aligned(g).join("\n"));
  }
  const text = [...legend(cmp), ...extra].map((l) => wrapText(l, width)).join("\n");
  return `${blocks.join("\n\n")}\n\n${text}\n`;
}

/** Packs whole groups into blocks no wider than `width`, each block led by the key columns. */
function wrapGroups(key: Group, groups: readonly Group[], width: number): Group[] {
  const out: Group[] = [];
  let current: Group[] = [];
  for (const g of groups) {
    const trial = aligned(join(key, [...current, g]));
    if (current.length > 0 && maxLen(trial) > width) {
      out.push(join(key, current));
      current = [g];
    } else current.push(g);
  }
  if (current.length > 0) out.push(join(key, current));
  return out;
}

/**
 * Shortens the configuration labels (with "…") when the key columns and the widest group would
 * not fit side by side; returns the length they were cut to, or Infinity when none was cut.
 */
function cutLabels(key: Group, groups: readonly Group[], width: number): number {
  const widest = Math.max(0, ...groups.map((g) => maxLen(aligned(g))));
  const others = maxLen(
    aligned({
      ...key,
      header: [key.header[0]!, "", key.header[2]!],
      body: key.body.map((r) => [r[0]!, "", r[2]!]),
    }),
  );
  const room = Math.max(14, width - widest - others - 2);
  const longest = Math.max(...key.body.map((r) => len(r[1]!)), len(key.header[1]!));
  if (longest <= room) return Number.POSITIVE_INFINITY;
  for (const r of key.body) if (len(r[1]!) > room) r[1] = `${[...r[1]!].slice(0, room - 1).join("")}…`;
  return room;
}

/** Lines of a group padded to column widths, with the rule under the header. */
function aligned(g: Group): string[] {
  const width = g.header.map((h, i) => Math.max(len(h), ...g.body.map((r) => len(r[i]!))));
  const pad = (s: string, i: number) => {
    const fill = " ".repeat(width[i]! - len(s));
    return g.numeric[i] ? fill + s : s + fill;
  };
  return [
    g.header.map(pad).join("  ").trimEnd(),
    width.map((w) => "─".repeat(w)).join("  "),
    ...g.body.map((r) => r.map(pad).join("  ").trimEnd()),
  ];
}

function maxLen(lines: readonly string[]): number {
  return Math.max(0, ...lines.map(len));
}

/** Word-wraps a line of prose to `width` columns. */
export function wrapText(text: string, width: number): string {
  if (!Number.isFinite(width) || len(text) <= width) return text;
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && len(line) + 1 + len(word) > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join("\n");
}

/** Display width: code points, which is right for the characters used here (±, Δ, ★, ↑, …). */
function len(s: string): number {
  return [...s].length;
}
