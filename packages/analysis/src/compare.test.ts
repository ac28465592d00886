import { describe, expect, it } from "vitest";
import { compare } from "./compare.ts";
import { baselines, trial } from "./fixtures.test-util.ts";

// Baseline: cls accuracy 0.80, 0.82, 0.78 → mean 0.80; reg mse 0.20, 0.22, 0.18 → 0.20.
const base = baselines([
  { cls: 0.8, reg: 0.2 },
  { cls: 0.82, reg: 0.22 },
  { cls: 0.78, reg: 0.18 },
]);
// pcgrad: cls 0.84 ± …, reg 0.15: Δm = 100·((0.84−0.8)/0.8 + (0.2−0.15)/0.2)/2 = 15
const pcgrad = [
  trial("pcgrad", 0, { cls: 0.83, reg: 0.14 }),
  trial("pcgrad", 1, { cls: 0.84, reg: 0.15 }),
  trial("pcgrad", 2, { cls: 0.85, reg: 0.16 }),
];
// equal: cls 0.76, reg 0.30: Δm = 100·(−0.05 − 0.5)/2 = −27.5
const equal = [
  trial("equal", 0, { cls: 0.75, reg: 0.29 }),
  trial("equal", 1, { cls: 0.76, reg: 0.3 }),
  trial("equal", 2, { cls: 0.77, reg: 0.31 }),
];

describe("compare", () => {
  it("summarises seeds, computes Δm% against single-task runs and ranks by it", () => {
    const cmp = compare([...base, ...pcgrad, ...equal]);
    expect(cmp.split).toBe("test");
    expect(cmp.columns.map((c) => `${c.task}/${c.metric}/${c.direction}`)).toEqual([
      "cls/accuracy/max",
      "reg/mse/min",
    ]);
    expect(cmp.rows.map((r) => r.label)).toEqual(["pcgrad", "single-task", "equal"]);
    const [p, s, e] = cmp.rows;
    expect(p!.deltaM!.mean).toBeCloseTo(15, 10);
    expect(s!.deltaM!.mean).toBeCloseTo(0, 10);
    expect(e!.deltaM!.mean).toBeCloseTo(-27.5, 10);
    expect(p!.cells[0]!.mean).toBeCloseTo(0.84, 12);
    expect(p!.cells[0]!.std).toBeCloseTo(0.01, 12);
    expect(p!.cells[0]!.n).toBe(3);
    // CI half-width = t(0.975, 2)·0.01/√3 = 4.302652729749464·0.01/√3
    expect(p!.cells[0]!.ci![1] - 0.84).toBeCloseTo((4.302652729749464 * 0.01) / Math.sqrt(3), 10);
    expect(p!.rank).toBe(1);
    expect(e!.rank).toBe(3);
    expect(cmp.rankBy).toBe("delta-m");
    // The single-task per-task trials of a seed merge into one run.
    expect(s!.seeds).toEqual([0, 1, 2]);
  });

  it("tests against the baseline by default, with Holm over the rows", () => {
    const cmp = compare([...base, ...pcgrad, ...equal]);
    expect(cmp.reference).toBe("single-task");
    const s = cmp.rows.find((r) => r.isBaseline)!;
    expect(s.isReference).toBe(true);
    expect(s.cells[0]!.p).toBeNull();
    const p = cmp.rows.find((r) => r.label === "pcgrad")!;
    const e = cmp.rows.find((r) => r.label === "equal")!;
    // scipy.stats.ttest_ind([.83,.84,.85],[.8,.82,.78], equal_var=False).pvalue = 0.05478676604107672
    expect(p.cells[0]!.p).toBeCloseTo(0.05478676604107672, 10);
    const lo = Math.min(p.cells[0]!.p!, e.cells[0]!.p!);
    const hi = Math.max(p.cells[0]!.p!, e.cells[0]!.p!);
    const adjLo = Math.min(1, 2 * lo);
    const adjHi = Math.max(adjLo, hi);
    expect(Math.min(p.cells[0]!.pHolm!, e.cells[0]!.pHolm!)).toBeCloseTo(adjLo, 12);
    expect(Math.max(p.cells[0]!.pHolm!, e.cells[0]!.pHolm!)).toBeCloseTo(adjHi, 12);
  });

  it("without single-task runs: no Δm%, ranks by mean rank, and says how to get baselines", () => {
    const cmp = compare([...pcgrad, ...equal]);
    expect(cmp.hasBaseline).toBe(false);
    expect(cmp.rows.every((r) => r.deltaM === null)).toBe(true);
    expect(cmp.rankBy).toBe("mean-rank");
    expect(cmp.rows[0]!.label).toBe("pcgrad");
    expect(cmp.rows[0]!.meanRank).toBe(1);
    expect(cmp.reference).toBe("equal");
    expect(cmp.notes.join(" ")).toMatch(/baselines: true/);
  });

  it("marks the Pareto front on the rows' means", () => {
    // trade-off: better cls than pcgrad, worse reg.
    const tradeoff = [0, 1, 2].map((s) => trial("mgda", s, { cls: 0.9, reg: 0.25 }));
    const cmp = compare([...base, ...pcgrad, ...equal, ...tradeoff]);
    const front = Object.fromEntries(cmp.rows.map((r) => [r.label, r.onParetoFront]));
    expect(front).toEqual({ pcgrad: true, mgda: true, "single-task": false, equal: false });
  });

  it("groups by strategy and weights, and otherwise picks the best configuration on val", () => {
    const w1 = { cls: 1.5, reg: 0.5 };
    const w2 = { cls: 0.5, reg: 1.5 };
    const fixed = [
      ...[0, 1].map((s) =>
        trial("fixed", s, { cls: 0.9, reg: 0.4 }, { weights: w1, val: { cls: 0.7, reg: 0.5 } }),
      ),
      ...[0, 1].map((s) =>
        trial("fixed", s, { cls: 0.7, reg: 0.1 }, { weights: w2, val: { cls: 0.8, reg: 0.2 } }),
      ),
    ];
    const byW = compare(fixed, { by: "strategy+weights" });
    expect(byW.rows.map((r) => r.label).sort()).toEqual(["fixed λ(0.5,1.5)", "fixed λ(1.5,0.5)"]);
    expect(byW.rows.find((r) => r.label === "fixed λ(0.5,1.5)")!.weights).toEqual([0.5, 1.5]);
    const byS = compare(fixed);
    expect(byS.rows).toHaveLength(1);
    // w2 is better on val on both tasks, so it is chosen although w1 has the better test accuracy.
    expect(byS.rows[0]!.cells[0]!.mean).toBeCloseTo(0.7, 12);
    expect(byS.rows[0]!.candidates).toBe(2);
    expect(byS.notes.join(" ")).toMatch(/best one by mean rank over columns on the val split/);
  });

  it("with a baseline, picks a group's configuration by Δm% on val, not by ranks", () => {
    // Baseline val: cls 0.80, reg 0.20 (fixtures put val = test + 0.01, so give val explicitly).
    const b = [0, 1].flatMap((s) =>
      ["cls", "reg"].map((task) =>
        trial("equal", s, { [task]: 0.5 }, { single: task, val: { cls: 0.8, reg: 0.2 } }),
      ),
    );
    // A: cls +12.5%, reg −10% → Δm +1.25 on val; B: cls −1.25%, reg +5% → Δm +1.875. Ranks tie.
    const a = [0, 1].map((s) =>
      trial(
        "fixed",
        s,
        { cls: 0.11, reg: 0.5 },
        { weights: { cls: 1.5, reg: 0.5 }, val: { cls: 0.9, reg: 0.22 } },
      ),
    );
    const bb = [0, 1].map((s) =>
      trial(
        "fixed",
        s,
        { cls: 0.22, reg: 0.5 },
        { weights: { cls: 0.5, reg: 1.5 }, val: { cls: 0.79, reg: 0.19 } },
      ),
    );
    const cmp = compare([...a, ...bb, ...b]);
    expect(cmp.rows.find((r) => r.method === "fixed")!.cells[0]!.mean).toBeCloseTo(0.22, 12);
    expect(cmp.notes.join(" ")).toMatch(/best one by Δm% on the val split/);
    // Without the baseline the same data tie on ranks and the first configuration stays.
    expect(compare([...a, ...bb]).rows[0]!.cells[0]!.mean).toBeCloseTo(0.11, 12);
  });

  it("options: split, metric, reference, permutation test, and clear errors", () => {
    const all = [...base, ...pcgrad, ...equal];
    expect(compare(all, { split: "val" }).rows.find((r) => r.label === "pcgrad")!.cells[0]!.mean).toBeCloseTo(
      0.85,
      12,
    );
    const perm = compare(all, { test: "permutation", reference: "equal" });
    expect(perm.reference).toBe("equal");
    // 3 vs 3, fully separated: exact p = 2/20.
    expect(perm.rows.find((r) => r.label === "pcgrad")!.cells[0]!.p).toBeCloseTo(0.1, 12);
    expect(() => compare(all, { reference: "nope" })).toThrow(/no row "nope".*pcgrad/);
    expect(() => compare(all, { metric: "f1" })).toThrow(/no task reports f1.*accuracy/);
    const onlyCls = compare(all, { metric: "accuracy" });
    expect(onlyCls.columns.map((c) => c.task)).toEqual(["cls"]);
    expect(() => compare([trial("x", 0, { cls: 1 }, { state: "failed" })])).toThrow(/no completed trials/);
  });

  it("leaves out unfinished trials and counts them", () => {
    const cmp = compare([
      ...pcgrad,
      trial("pcgrad", 3, {}, { state: "pruned" }),
      trial("pcgrad", 4, {}, { state: "failed" }),
    ]);
    expect(cmp.rows[0]!.seeds).toEqual([0, 1, 2]);
    expect(cmp.excluded).toEqual({ pruned: 1, failed: 1 });
  });
});
