import { describe, expect, it } from "vitest";
import { dominates, paretoFront } from "./pareto.ts";

describe("Pareto front", () => {
  it("respects each objective's direction", () => {
    // accuracy (max), mse (min)
    const pts = [
      [0.9, 0.3], // best accuracy: front
      [0.8, 0.1], // best mse: front
      [0.85, 0.2], // trade-off: front
      [0.8, 0.25], // dominated by [0.85, 0.2]
      [0.9, 0.35], // dominated by [0.9, 0.3]
    ];
    expect(paretoFront(pts, ["max", "min"])).toEqual([true, true, true, false, false]);
    // Flipping the second direction changes the answer.
    expect(paretoFront(pts, ["max", "max"])).toEqual([false, false, false, false, true]);
  });

  it("keeps duplicates (neither dominates the other) and drops NaN", () => {
    expect(
      paretoFront(
        [
          [1, 1],
          [1, 1],
          [Number.NaN, 5],
        ],
        ["max", "max"],
      ),
    ).toEqual([true, true, false]);
    expect(dominates([1, 1], [1, 1], ["max", "max"])).toBe(false);
  });
});
