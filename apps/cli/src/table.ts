/** Renders rows as an aligned text table; numbers right-aligned. */
export function renderTable(header: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const numeric = header.map(
    (_, i) =>
      rows.length > 0 && rows.every((r) => typeof r[i] === "number" || /^[-+]?[\d.]+/.test(String(r[i]))),
  );
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "─".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

export const fmt = (x: number | undefined, digits = 4) =>
  x === undefined || Number.isNaN(x) ? "–" : Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(digits);
