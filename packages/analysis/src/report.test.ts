import { describe, expect, it } from "vitest";
import { demoExperiment, demoSweep } from "./demo.test-util.ts";
import { renderReport } from "./report.ts";

describe("renderReport", () => {
  it("two tasks: table, Pareto plot, curves, weight lines, all inline and offline", () => {
    const rep = renderReport(demoSweep(2), demoExperiment(2), { title: "Demo <2>" });
    const names = rep.files.map((f) => f.name);
    expect(names).toEqual([
      "report.html",
      "summary.md",
      "plots/pareto.svg",
      "plots/curves-cls.svg",
      "plots/curves-reg.svg",
      "plots/weights-cls.svg",
      "plots/weights-reg.svg",
    ]);
    const html = rep.files[0]!.content;
    expect(html).toContain("<title>Demo &lt;2&gt;</title>");
    // Self-contained: no scripts, no external references.
    expect(html).not.toMatch(/<script|<link|src=|href="http|url\(http/);
    expect((html.match(/<svg /g) ?? []).length).toBe(5);
    expect(html).toContain('<td class="text">pcgrad</td>');
    expect(html).toContain('<td class="text">fixed λ=0.5/1.5</td>');
    // The weight sweep shows one point per setting; fixed has five settings, plus equal, pcgrad, baseline.
    const pareto = rep.plots.find((p) => p.name === "pareto")!;
    expect((pareto.svg.match(/class="point/g) ?? []).length).toBe(8);
    expect(pareto.svg).toContain("fixed λ=0.5/1.5");
    // Curves: one path per configuration (pcgrad, equal, five fixed, single-task), 8 epochs each.
    const curves = rep.plots.find((p) => p.name === "curves-cls")!;
    const paths = curves.svg.match(/class="series" d="[^"]*"/g)!;
    expect(paths).toHaveLength(8);
    expect(paths[0]!.match(/[ML]/g)).toHaveLength(8);
    const md = rep.files[1]!.content;
    expect(md).toContain("![Pareto front: cls vs reg (test)](plots/pareto.png)");
    expect(md).toMatch(/Top-ranked: \*\*pcgrad\*\*/);
  });

  it("three tasks: a ternary heat map per task for the weight sweep", () => {
    const rep = renderReport(demoSweep(3), demoExperiment(3), { imageExt: "svg" });
    const tern = rep.plots.filter((p) => p.name.startsWith("weights-fixed-"));
    expect(tern.map((p) => p.name)).toEqual(["weights-fixed-cls", "weights-fixed-reg", "weights-fixed-aux"]);
    // Resolution 4 over three tasks: 15 settings, 24² small cells.
    expect((tern[0]!.svg.match(/class="sample"/g) ?? []).length).toBe(15);
    expect((tern[0]!.svg.match(/<polygon points=/g) ?? []).length).toBe(24 * 24 + 1);
    expect(rep.files[1]!.content).toContain("(plots/weights-fixed-cls.svg)");
  });

  it("says what is missing: no baselines, no curves, no weight sweep", () => {
    const trials = demoSweep(2, { baselines: false })
      .filter((t) => t.config.strategy.name !== "fixed")
      .map(({ curves: _c, ...t }) => t);
    const rep = renderReport(trials, demoExperiment(2));
    expect(rep.comparison.hasBaseline).toBe(false);
    expect(rep.plots.map((p) => p.name)).toEqual(["pareto"]);
    expect(rep.notes.join(" ")).toMatch(/No learning curves.*No weight plots/);
    expect(rep.files[0]!.content).toContain("baselines: true");
  });
});
