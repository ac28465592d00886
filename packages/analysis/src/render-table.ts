/** The comparison as aligned text for a terminal. */
import type { Comparison } from "./compare.ts";
import { ci, columnTitle, decimalsFor, legend, meanStd, objectiveText, pCell } from "./format.ts";

/** Header and body cells of the comparison, shared by the text and Markdown renderers. */
export function tableCells(cmp: Comparison): { header: string[]; body: string[][]; numeric: boolean[] } {
  const pct = Math.round(cmp.level * 100);
  const header = ["rank", "configuration", "n"];
  const numeric = [true, false, true];
  for (const c of cmp.columns) {
    header.push(columnTitle(c), `${pct}% CI`, "p");
    numeric.push(true, true, true);
  }
  if (cmp.hasBaseline) {
    header.push("Δm% ↑", `${pct}% CI`, "p");
    numeric.push(true, true, true);
  }
  const arrows = cmp.objective.directions.map((d) => (d === "max" ? "↑" : "↓")).join("");
  header.push(`${cmp.objective.names.join(", ")} ${arrows}`, "front");
  numeric.push(true, false);
  const decimals = cmp.columns.map((_, i) => decimalsFor(cmp.rows.map((r) => r.cells[i]!.mean)));
  const body = cmp.rows.map((r) => {
    const n =
      r.diverged.length > 0 ? `${r.seeds.length} (${r.diverged.length} diverged)` : String(r.seeds.length);
    const line = [r.rank === null ? "—" : String(r.rank), r.label, n];
    r.cells.forEach((c, i) => {
      line.push(meanStd(c, decimals[i]!), ci(c, decimals[i]!), pCell(c, r.isReference));
    });
    if (cmp.hasBaseline) {
      const d = r.deltaM;
      line.push(d ? meanStd(d, 2, true) : "—", d ? ci(d, 2) : "—", d ? pCell(d, r.isReference) : "—");
    }
    line.push(objectiveText(r.objective), r.onParetoFront ? "★" : "");
    return line;
  });
  return { header, body, numeric };
}

/** Aligned columns (numbers right-aligned) followed by the legend. */
export function renderTable(cmp: Comparison): string {
  const { header, body, numeric } = tableCells(cmp);
  const width = header.map((h, i) => Math.max(len(h), ...body.map((r) => len(r[i]!))));
  const pad = (s: string, i: number) => {
    const fill = " ".repeat(width[i]! - len(s));
    return numeric[i] ? fill + s : s + fill;
  };
  const lines = [header.map(pad).join("  ").trimEnd(), width.map((w) => "─".repeat(w)).join("  ")];
  for (const r of body) lines.push(r.map(pad).join("  ").trimEnd());
  return `${lines.join("\n")}\n\n${legend(cmp).join("\n")}\n`;
}

/** Display width: code points, which is right for the characters used here (±, Δ, ★, ↑). */
function len(s: string): number {
  return [...s].length;
}
