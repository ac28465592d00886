/** Aligned text tables for the CLI's listings, and the width of the terminal they are fitted to. */
import { fmtNumber } from "@mtl/analysis";

/** Renders rows as an aligned text table; numbers right-aligned. */
export function renderListing(header: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = header.map((h, i) => Math.max(len(h), ...cells.map((r) => len(r[i] ?? ""))));
  const numeric = header.map(
    (_, i) =>
      rows.length > 0 &&
      rows.every((r) => typeof r[i] === "number" || /^[-+]?[\d.]+|^[—–]$/.test(String(r[i]))),
  );
  const line = (r: string[]) =>
    r
      .map((c, i) => {
        const fill = " ".repeat(Math.max(0, widths[i]! - len(c)));
        return numeric[i] ? fill + c : c + fill;
      })
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "─".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

/** A lone number as every view writes it (the analysis package's formatter). */
export const fmt = (x: number | undefined | null): string => fmtNumber(x);

/**
 * Columns to fit output into: the terminal's when stdout is one, else $COLUMNS when set, else
 * no limit (a file or a pipe gets the whole table).
 */
export function terminalWidth(): number | undefined {
  if (process.stdout.isTTY && process.stdout.columns) return process.stdout.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : undefined;
}

function len(s: string): number {
  return [...s].length;
}
