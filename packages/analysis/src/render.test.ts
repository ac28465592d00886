import { describe, expect, it } from "vitest";
import { compare } from "./compare.ts";
import { baselines, toyExperiment, trial } from "./fixtures.test-util.ts";
import { renderCsv, renderJson } from "./render-data.ts";
import { renderMarkdown } from "./render-md.ts";
import { renderTable } from "./render-table.ts";

const trials = [
  ...baselines([
    { cls: 0.8, reg: 0.2 },
    { cls: 0.82, reg: 0.22 },
    { cls: 0.78, reg: 0.18 },
  ]),
  ...[0, 1, 2].map((s) => trial("pcgrad", s, { cls: 0.83 + s / 100, reg: 0.14 + s / 100 })),
  ...[0, 1, 2].map((s) => trial("equal", s, { cls: 0.75 + s / 100, reg: 0.29 + s / 100 })),
];
const e = toyExperiment();
const cmp = compare(trials, e);
/** pcgrad's per-seed Δm% against the same seed of the baseline, by the formula. */
const pcDm = [0, 1, 2].map((s) => {
  const b = [
    [0.8, 0.2],
    [0.82, 0.22],
    [0.78, 0.18],
  ][s]!;
  return (100 * ((0.83 + s / 100 - b[0]!) / b[0]! + (b[1]! - (0.14 + s / 100)) / b[1]!)) / 2;
});
const pcMean = (pcDm[0]! + pcDm[1]! + pcDm[2]!) / 3;

describe("renderers", () => {
  it("table: aligned columns, values, and a legend with the Δm% formula, its sign and the test", () => {
    const text = renderTable(cmp);
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^rank\s+configuration\s+n\s+cls accuracy ↑\s+95% CI\s+p\s+reg mse ↓/);
    expect(lines[0]).toMatch(/Δm% ↑\s+95% CI\s+p\s+cls\.accuracy, reg\.mse ↑↓\s+front$/);
    const pc = lines.find((l) => l.includes("pcgrad"))!;
    expect(pc).toMatch(/^\s+1\s+pcgrad\s+3\s+0\.8400 ± 0\.0100\s+\[0\.8152, 0\.8648\]/);
    expect(pc).toContain(`+${pcMean.toFixed(2)} ± `);
    expect(pc.trimEnd().endsWith("★")).toBe(true);
    // The baseline: Δm% 0 on every seed, not ranked.
    expect(lines.find((l) => l.includes("single-task"))).toMatch(/^\s+—\s+single-task\s+3\s.*\s0\.00\s/);
    // Every data row is as wide as the rule under the header (alignment), ignoring trailing blanks.
    const rule = lines[1]!;
    for (const l of lines.slice(2, 5)) expect([...l].length).toBeLessThanOrEqual([...rule].length);
    expect(text).toContain("(−1)^{w_m}·(B_m − M_m)/B_m");
    expect(text).toContain("Positive = better than single-task");
    expect(text).toMatch(/Welch t-test .* against single-task, Holm-adjusted over the 2 rows/);
  });

  it("markdown: a valid table with as many cells as header cells", () => {
    const md = renderMarkdown(cmp);
    const rows = md.split("\n").filter((l) => l.startsWith("|"));
    expect(rows).toHaveLength(2 + 3);
    const count = (l: string) => l.split(/(?<!\\)\|/).length;
    for (const r of rows) expect(count(r)).toBe(count(rows[0]!));
    expect(md).toContain("- Δm% = 100 · mean over tasks");
  });

  it("csv: full precision, one line per row, quoting when needed", () => {
    const csv = renderCsv(cmp).trimEnd().split("\n");
    expect(csv).toHaveLength(4);
    const header = csv[0]!.split(",");
    const pc = csv.find((l) => l.includes(",pcgrad,"))!.split(",");
    expect(Number(pc[header.indexOf("delta_m_pct.mean")])).toBeCloseTo(pcMean, 10);
    expect(pc[header.indexOf("pareto_front")]).toBe("true");
    const base = csv.find((l) => l.includes(",single-task,"))!.split(",");
    expect(base[header.indexOf("cls.accuracy.p")]).toBe("");
    const byW = compare(
      [0, 1].flatMap((s) => [
        trial("fixed", s, { cls: 0.8, reg: 0.2 }, { weights: { cls: 0.5, reg: 1.5 } }),
        trial("fixed", s, { cls: 0.7, reg: 0.1 }, { weights: { cls: 1.5, reg: 0.5 } }),
      ]),
      e,
    );
    expect(renderCsv(byW)).toContain(",fixed λ=0.5/1.5,");
  });

  it("json: parses back, NaN as null", () => {
    const one = compare([trial("equal", 0, { cls: 0.8, reg: 0.2 })], e);
    const back = JSON.parse(renderJson(one));
    expect(back.rows[0].cells[0].mean).toBe(0.8);
    expect(back.rows[0].cells[0].std).toBeNull();
    expect(JSON.parse(renderJson(cmp)).rows[0].deltaM.mean).toBeCloseTo(pcMean, 10);
  });
});
