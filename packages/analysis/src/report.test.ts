import { describe, expect, it } from "vitest";
import { demoExperiment, demoSweep } from "./demo.test-util.ts";
import { compactJson, formulaHtml, renderReport, renderSweepComparison } from "./report.ts";
import { collisions } from "./svg/boxes.test-util.ts";

describe("renderReport", () => {
  it("two tasks: table, Pareto plot, curves as small multiples, weight lines, history, trials, configuration", () => {
    const rep = renderReport(demoSweep(2), demoExperiment(2), { title: "Demo <2>" });
    const names = rep.files.map((f) => f.name);
    expect(names).toEqual([
      "report.html",
      "summary.md",
      "trials.csv",
      "plots/pareto.svg",
      "plots/curves-cls.svg",
      "plots/curves-reg.svg",
      "plots/weights-cls.svg",
      "plots/weights-reg.svg",
      "plots/history.svg",
      "plots/parallel.svg",
      "plots/slices.svg",
    ]);
    const html = rep.files[0]!.content;
    expect(html).toContain("<title>Demo &lt;2&gt;</title>");
    // Self-contained: one inline script (the table sort), no external references.
    expect(html).not.toMatch(/<link|src=|href="http|url\(http/);
    expect((html.match(/<script>/g) ?? []).length).toBe(1);
    expect((html.match(/<svg /g) ?? []).length).toBe(rep.plots.length);
    expect(html).toContain('<td class="text label">pcgrad</td>');
    expect(html).toContain('<td class="text label">fixed λ=0.5/1.5</td>');
    // The legend's formula set as HTML, not TeX.
    expect(html).toContain("(−1)<sup>w<sub>m</sub></sup>");
    expect(html).not.toContain("^{");
    // The weight sweep shows one point per setting; fixed has five settings, plus equal, pcgrad, baseline.
    const pareto = rep.plots.find((p) => p.name === "pareto")!;
    expect((pareto.svg.match(/class="point( on-front)?"/g) ?? []).length).toBe(8);
    // Tooltips: no float noise.
    for (const t of pareto.svg.matchAll(/<title>([^<]*)<\/title>/g)) expect(t[1]).not.toMatch(/\d\.\d{6}/);
    // Seven configurations: one panel each, the baseline dashed in every panel.
    const curves = rep.plots.find((p) => p.name === "curves-cls")!;
    expect((curves.svg.match(/class="panel"/g) ?? []).length).toBe(7);
    const paths = curves.svg.match(/class="series" d="[^"]*"/g)!;
    expect(paths).toHaveLength(14);
    expect(paths[0]!.match(/[ML]/g)).toHaveLength(8);
    // Every trial is in the trials table and in trials.csv, with its time.
    const trials = demoSweep(2);
    expect((html.match(/<tr><td class="num" data-v=/g) ?? []).length).toBe(trials.length);
    expect(rep.files[2]!.content.trimEnd().split("\n")).toHaveLength(trials.length + 1);
    expect(html).toContain("&quot;name&quot;:&quot;demo&quot;");
    const md = rep.files[1]!.content;
    expect(md).toContain("![Pareto front: cls vs reg (test)](plots/pareto.png)");
    expect(md).toMatch(/Top-ranked: \*\*pcgrad\*\*/);
  });

  it("three tasks: a Pareto plot per pair of tasks, a ternary heat map per task for the weight sweep", () => {
    const rep = renderReport(demoSweep(3), demoExperiment(3), { imageExt: "svg" });
    expect(rep.plots.filter((p) => p.name.startsWith("pareto-")).map((p) => p.name)).toEqual([
      "pareto-cls-reg",
      "pareto-cls-aux",
      "pareto-reg-aux",
    ]);
    const tern = rep.plots.filter((p) => p.name.startsWith("weights-fixed-"));
    expect(tern.map((p) => p.name)).toEqual(["weights-fixed-cls", "weights-fixed-reg", "weights-fixed-aux"]);
    // Resolution 4 over three tasks: 15 settings, 24² small cells.
    expect((tern[0]!.svg.match(/class="sample"/g) ?? []).length).toBe(15);
    expect((tern[0]!.svg.match(/<polygon points=/g) ?? []).length).toBe(24 * 24 + 1);
    expect(rep.files[1]!.content).toContain("(plots/weights-fixed-cls.svg)");
  });

  it("no text of any plot covers another (estimated boxes; the Chromium test measures real ones)", () => {
    for (const n of [2, 3] as const) {
      const rep = renderReport(demoSweep(n), demoExperiment(n));
      expect(rep.plots.length).toBeGreaterThan(5);
      for (const p of rep.plots) expect(collisions(p.svg), p.name).toEqual([]);
      // Every plot's notes sit below its legend: the last text is a note or the legend, never cut off.
      for (const p of rep.plots) {
        const ys = [...p.svg.matchAll(/<text[^>]* y="([\d.]+)"/g)].map((m) => Number(m[1]));
        expect(Math.max(...ys), p.name).toBeLessThanOrEqual(p.height);
      }
    }
  });

  it("says what is missing: no baselines, no curves, no weight sweep", () => {
    const trials = demoSweep(2, { baselines: false })
      .filter((t) => t.config.strategy.name !== "fixed")
      .map(({ curves: _c, ...t }) => t);
    const rep = renderReport(trials, demoExperiment(2));
    expect(rep.comparison.hasBaseline).toBe(false);
    expect(rep.plots.map((p) => p.name)).toEqual(["pareto", "history", "parallel", "slices"]);
    expect(rep.notes.join(" ")).toMatch(/No learning curves.*No parameter importance/);
    expect(rep.files[0]!.content).toContain("baselines: true");
  });

  it("lists failed and pruned trials with the reason", () => {
    const trials = demoSweep(2);
    trials[3] = { ...trials[3]!, state: "failed", error: "loss became NaN at epoch 2" };
    delete trials[3].final;
    trials[4] = { ...trials[4]!, state: "pruned", prunedEpoch: 3 };
    delete trials[4].final;
    const html = renderReport(trials, demoExperiment(2)).files[0]!.content;
    const section = html.slice(html.indexOf('<section id="left-out">'));
    expect(section).toContain("failed: loss became NaN at epoch 2");
    expect(section).toContain("pruned at epoch 3");
  });

  it("compares two sweeps: both summaries, one history plot, the configurations both ran", () => {
    const a = demoSweep(2);
    const b = demoSweep(2, { seeds: 2 });
    const rep = renderSweepComparison(
      { name: "sweep 1", trials: a, experiment: demoExperiment(2) },
      { name: "sweep 2", trials: b, experiment: demoExperiment(2) },
    );
    expect(rep.plots.map((p) => p.name)).toEqual(["history-both"]);
    expect((rep.plots[0]!.svg.match(/class="series"/g) ?? []).length).toBe(2);
    const html = rep.files[0]!.content;
    expect(html).toContain("Configurations in both");
    expect(html).toContain('<td class="text label">pcgrad</td>');
    expect(html).toMatch(/Comparison: sweep 1[\s\S]*Comparison: sweep 2/);
  });

  it("sets formulas and JSON for reading", () => {
    expect(formulaHtml("(−1)^{w_m}·(B_m − M_m)/B_m and Δ_t")).toBe(
      "(−1)<sup>w<sub>m</sub></sup>·(B<sub>m</sub> − M<sub>m</sub>)/B<sub>m</sub> and Δ<sub>t</sub>",
    );
    expect(compactJson({ a: [1, 2], b: { c: "d" } })).toBe('{"a":[1,2],"b":{"c":"d"}}');
    expect(compactJson({ a: "x".repeat(50), b: "y".repeat(50) }, 40)).toBe(
      `{\n  "a": "${"x".repeat(50)}",\n  "b": "${"y".repeat(50)}"\n}`,
    );
  });
});

describe("learning curves on one plot", () => {
  it("give configurations of one method colours of their own (two weight settings, the baseline dashed)", () => {
    const all = demoSweep(2);
    const fixed = [...new Set(all.filter((t) => t.config.strategy.name === "fixed").map((t) => t.configKey))];
    const kept = all.filter(
      (t) => t.configKey === fixed[0] || t.configKey === fixed[1] || t.config.strategy.name === "equal",
    );
    const rep = renderReport(kept, demoExperiment(2), { imageExt: "svg" });
    const curves = rep.plots.find((p) => p.name === "curves-cls")!;
    expect(curves.svg).not.toContain('class="panel"'); // one plot, not small multiples
    const strokes = [...curves.svg.matchAll(/class="series" d="[^"]*" fill="none" stroke="([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(strokes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(strokes).size).toBe(strokes.length);
  });
});
