import { Rng } from "@mtl/spec";
import { describe, expect, it } from "vitest";
import { rankConfigurations, summarizeConfigs } from "./history.ts";
import { crowding, dominates, onParetoFront, paretoFront, paretoRanks } from "./pareto.ts";

describe("paretoFront", () => {
  it("keeps exactly the points no other point dominates (brute force check, mixed directions)", () => {
    const rng = new Rng(11);
    for (let round = 0; round < 20; round++) {
      const pts = Array.from({ length: 40 }, (_, i) => ({
        i,
        v: [Math.round(rng.float() * 10), Math.round(rng.float() * 10)],
      }));
      const dirs: ("max" | "min")[] = ["max", "min"];
      const front = paretoFront(pts, (p) => p.v, dirs);
      const better = (a: number[], b: number[]) =>
        a[0]! >= b[0]! && a[1]! <= b[1]! && (a[0]! > b[0]! || a[1]! < b[1]!);
      const expected = pts.filter((p) => !pts.some((q) => better(q.v, p.v)));
      expect(front).toEqual(expected);
      // onParetoFront (front-only, sorted scan) agrees with the ranks, on three objectives too.
      const three = pts.map((p) => [...p.v, Math.round(rng.float() * 5)]);
      const dirs3: ("max" | "min")[] = ["max", "min", "max"];
      expect(onParetoFront(three, (p) => p, dirs3)).toEqual(
        paretoRanks(three, (p) => p, dirs3).map((r) => r === 0),
      );
    }
  });

  it("ranks one objective by sorting: equal values share a rank, missing ones come last", () => {
    expect(paretoRanks([[0.5], [0.9], [Number.NaN], [0.5], [0.7]], (p) => p, ["max"])).toEqual([
      2, 0, 3, 2, 1,
    ]);
    expect(paretoRanks([[0.5], [0.9], [0.7]], (p) => p, ["min"])).toEqual([0, 2, 1]);
    expect(paretoRanks([[Number.NaN]], (p) => p, ["min"])).toEqual([0]);
  });

  it("ranks successive fronts", () => {
    const pts = [
      [1, 1],
      [2, 2],
      [3, 3],
      [3, 1],
      [1, 3],
      [2, 2],
    ];
    expect(paretoRanks(pts, (p) => p, ["max", "max"])).toEqual([2, 1, 0, 1, 1, 1]);
    expect(dominates([1, 1], [1, 1], ["max", "max"])).toBe(false);
  });

  it("crowding puts boundary points first", () => {
    const c = crowding([
      [0, 3],
      [1, 2],
      [2, 1],
      [3, 0],
    ]);
    expect(c[0]).toBe(Number.POSITIVE_INFINITY);
    expect(c[3]).toBe(Number.POSITIVE_INFINITY);
    expect(c[1]).toBeCloseTo(4 / 3);
  });
});

describe("rankConfigurations", () => {
  it("averages seeds, ranks completed by value and puts pruned after them", () => {
    const h = [
      { configKey: "x", params: {}, seed: 0, state: "completed" as const, values: [0.5] },
      { configKey: "x", params: {}, seed: 1, state: "completed" as const, values: [0.7] },
      { configKey: "y", params: {}, seed: 0, state: "completed" as const, values: [0.65] },
      { configKey: "z", params: {}, seed: 0, state: "pruned" as const, curve: [{ epoch: 1, values: [0.9] }] },
      {
        configKey: "w",
        params: {},
        seed: 0,
        state: "pruned" as const,
        curve: [
          { epoch: 1, values: [0.1] },
          { epoch: 3, values: [0.2] },
        ],
      },
      { configKey: "r", params: {}, seed: 0, state: "running" as const },
    ];
    const s = summarizeConfigs(h);
    expect(s.find((c) => c.configKey === "x")!.values![0]).toBeCloseTo(0.6);
    expect(rankConfigurations(s, ["max"]).map((c) => c.configKey)).toEqual(["y", "x", "w", "z"]);
    expect(rankConfigurations(s, ["min"]).map((c) => c.configKey)).toEqual(["x", "y", "w", "z"]);
  });
});

describe("paretoFront on comparison rows", () => {
  it("respects each objective's direction", () => {
    // accuracy (max), mse (min)
    const pts = [
      [0.9, 0.3], // best accuracy: front
      [0.8, 0.1], // best mse: front
      [0.85, 0.2], // trade-off: front
      [0.8, 0.25], // dominated by [0.85, 0.2]
      [0.9, 0.35], // dominated by [0.9, 0.3]
    ];
    expect(onParetoFront(pts, (p) => p, ["max", "min"])).toEqual([true, true, true, false, false]);
    // Flipping the second direction changes the answer.
    expect(onParetoFront(pts, (p) => p, ["max", "max"])).toEqual([false, false, false, false, true]);
  });

  it("keeps duplicates (neither dominates the other) and never puts a NaN point on the front", () => {
    const pts = [
      [1, 1],
      [1, 1],
      [Number.NaN, 5],
    ];
    expect(onParetoFront(pts, (p) => p, ["max", "max"])).toEqual([true, true, false]);
    expect(paretoRanks(pts, (p) => p, ["max", "max"])).toEqual([0, 0, 1]);
    expect(dominates([1, 1], [1, 1], ["max", "max"])).toBe(false);
  });
});
