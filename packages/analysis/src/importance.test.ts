import { describe, expect, it } from "vitest";
import { groupsOf, importance, type SweptParam } from "./importance.ts";

describe("parameter importance (ε², one-way)", () => {
  // 40 trials: the objective is 10·[lr is high] plus a small wobble that follows nothing else;
  // batch size alternates independently of it.
  const n = 40;
  const lr = Array.from({ length: n }, (_, i) => (i % 4 < 2 ? 0.001 : 0.1) * (1 + (i % 3) / 10));
  const bs = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? "32" : "64"));
  const score = lr.map((v, i) => (v > 0.01 ? 10 : 0) + ((i * 7) % 5) / 10);
  const params: SweptParam[] = [
    { key: "learningRate", label: "lr", kind: "log", values: lr },
    { key: "batchSize", label: "bs", kind: "category", values: bs },
  ];

  it("credits the parameter the objective follows, and about nothing to one it does not", () => {
    const imp = importance(params, score);
    expect(imp.map((x) => x.label)).toEqual(["lr", "bs"]);
    expect(imp[0]!.share).toBeGreaterThan(0.95);
    expect(imp[1]!.share).toBeLessThan(0.05);
    expect(imp[1]!.share).toBeGreaterThanOrEqual(0);
  });

  it("is empty with too few trials to say anything", () => {
    expect(importance(params, score.slice(0, 5))).toEqual([]);
  });

  it("bins continuous values by count and keeps categories", () => {
    const g = groupsOf({
      key: "x",
      label: "x",
      kind: "linear",
      values: Array.from({ length: 10 }, (_, i) => i),
    });
    expect(new Set(g).size).toBe(5);
    expect(g.filter((x) => x === g[0])).toHaveLength(2);
    expect(groupsOf(params[1]!)).toEqual(bs);
  });
});
