import { describe, expect, it } from "vitest";
import { esc, niceTicks, viridis } from "./common.ts";
import { paretoScatter } from "./scatter.ts";

describe("svg helpers", () => {
  it("ticks are round and cover the range", () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.613, 0.871)).toEqual([0.65, 0.7, 0.75, 0.8, 0.85]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });

  it("escapes markup and maps the colour ramp ends", () => {
    expect(esc(`a<b & "c"`)).toBe("a&lt;b &amp; &quot;c&quot;");
    expect(viridis(0)).toBe("#440154");
    expect(viridis(1)).toBe("#fde725");
  });

  it("Pareto staircase turns at the corner both front points dominate", () => {
    const plot = paretoScatter({
      name: "p",
      title: "t",
      xLabel: "x",
      yLabel: "y",
      xDirection: "max",
      yDirection: "max",
      points: [
        { label: "A", group: "g", color: "#000", x: 0, y: 1 },
        { label: "B", group: "g", color: "#000", x: 1, y: 0 },
        { label: "C", group: "g", color: "#000", x: 0, y: 0.5 }, // dominated by A
      ],
    });
    const d = plot.svg.match(/class="front" d="([^"]*)"/)![1]!;
    const pts = d.match(/-?[\d.]+,-?[\d.]+/g)!;
    // M A, L corner, L B: the corner has A's x (the worse x) and B's y (the worse y).
    expect(pts).toHaveLength(3);
    const [a, corner, b] = pts.map((p) => p.split(",").map(Number)) as [number[], number[], number[]];
    expect(corner[0]).toBe(a[0]);
    expect(corner[1]).toBe(b[1]);
    expect((plot.svg.match(/on-front/g) ?? []).length).toBe(2);
  });
});
