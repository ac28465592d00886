import { describe, expect, it } from "vitest";
import { brailleChart, rangeOf, sparkline } from "./braille.ts";

const text = (rows: { text: string }[][]) => rows.map((r) => r.map((x) => x.text).join(""));

describe("braille charts", () => {
  it("draws a rising line from the bottom left to the top right", () => {
    const chart = brailleChart(
      [
        [
          [0, 0],
          [1, 1],
        ],
      ],
      2,
      1,
    );
    // 4×4 dots: (0,3) (1,2) in the first cell, (2,1) (3,0) in the second.
    expect(text(chart.rows)).toEqual([
      String.fromCharCode(0x2800 + 0x40 + 0x20) + String.fromCharCode(0x2800 + 0x02 + 0x08),
    ]);
  });

  it("connects distant points so steep segments have no gaps", () => {
    const chart = brailleChart(
      [
        [
          [0, 0],
          [1, 10],
        ],
      ],
      1,
      3,
    );
    expect(text(chart.rows).every((r) => r.trim() !== "")).toBe(true);
  });

  it("tags runs with the series that drew them last", () => {
    const chart = brailleChart(
      [
        [
          [0, 0],
          [1, 0],
        ],
        [
          [0, 1],
          [1, 1],
        ],
      ],
      3,
      2,
    );
    expect(chart.rows[0]!.every((r) => r.series === 1)).toBe(true);
    expect(chart.rows[1]!.every((r) => r.series === 0)).toBe(true);
  });

  it("centres a flat line and leaves blank rows without data", () => {
    expect(
      rangeOf([
        [
          [1, 5],
          [2, 5],
        ],
      ]),
    ).toEqual({ xMin: 1, xMax: 2, yMin: 4.75, yMax: 5.25 });
    expect(rangeOf([[]])).toBeNull();
    expect(text(brailleChart([[]], 3, 2).rows)).toEqual(["   ", "   "]);
  });

  it("skips non-finite values", () => {
    const chart = brailleChart(
      [
        [
          [0, 0],
          [1, Number.NaN],
          [2, 1],
        ],
      ],
      2,
      1,
    );
    expect(chart.rows.length).toBe(1);
  });

  it("draws sparklines", () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8)).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([1, 2, 3], 2)).toBe("▁█");
    expect(sparkline([], 4)).toBe("");
  });
});
