import { describe, expect, it } from "vitest";
import { compare } from "./compare.ts";
import { baselines, toyExperiment, trial } from "./fixtures.test-util.ts";

// Baseline per seed: cls accuracy 0.80, 0.82, 0.78; reg mse 0.20, 0.22, 0.18.
const base = baselines([
  { cls: 0.8, reg: 0.2 },
  { cls: 0.82, reg: 0.22 },
  { cls: 0.78, reg: 0.18 },
]);
const pcgrad = [
  trial("pcgrad", 0, { cls: 0.83, reg: 0.14 }),
  trial("pcgrad", 1, { cls: 0.84, reg: 0.15 }),
  trial("pcgrad", 2, { cls: 0.85, reg: 0.16 }),
];
const equal = [
  trial("equal", 0, { cls: 0.75, reg: 0.29 }),
  trial("equal", 1, { cls: 0.76, reg: 0.3 }),
  trial("equal", 2, { cls: 0.77, reg: 0.31 }),
];
const e = toyExperiment();
/** Δm% of one seed by the formula: 100·((m_cls − b_cls)/b_cls + (b_reg − m_reg)/b_reg)/2. */
const dm = (m: [number, number], b: [number, number]) =>
  (100 * ((m[0] - b[0]) / b[0] + (b[1] - m[1]) / b[1])) / 2;

describe("compare", () => {
  it("summarises seeds, pairs each seed with the same seed of the baseline, ranks by the objective", () => {
    const cmp = compare([...base, ...pcgrad, ...equal], e);
    expect(cmp.split).toBe("test");
    expect(cmp.columns.map((c) => `${c.task}/${c.metric}/${c.direction}`)).toEqual([
      "cls/accuracy/max",
      "reg/mse/min",
    ]);
    expect(cmp.objective.names).toEqual(["cls.accuracy", "reg.mse"]);
    // Ranked rows first (pcgrad dominates equal), then the baseline, which is not ranked.
    expect(cmp.rows.map((r) => [r.label, r.rank])).toEqual([
      ["pcgrad", 1],
      ["equal", 2],
      ["single-task", null],
    ]);
    const [p, eq, s] = cmp.rows;
    const paired = [
      dm([0.83, 0.14], [0.8, 0.2]),
      dm([0.84, 0.15], [0.82, 0.22]),
      dm([0.85, 0.16], [0.78, 0.18]),
    ];
    expect(p!.deltaM!.values).toEqual(paired.map((x) => expect.closeTo(x, 10)));
    expect(p!.deltaM!.mean).toBeCloseTo((paired[0]! + paired[1]! + paired[2]!) / 3, 10);
    expect(s!.deltaM!.mean).toBe(0);
    expect(eq!.deltaM!.mean).toBeCloseTo(
      (dm([0.75, 0.29], [0.8, 0.2]) + dm([0.76, 0.3], [0.82, 0.22]) + dm([0.77, 0.31], [0.78, 0.18])) / 3,
      10,
    );
    expect(p!.cells[0]!.mean).toBeCloseTo(0.84, 12);
    expect(p!.cells[0]!.std).toBeCloseTo(0.01, 12);
    expect(p!.cells[0]!.n).toBe(3);
    // CI half-width = t(0.975, 2)·0.01/√3 = 4.302652729749464·0.01/√3
    expect(p!.cells[0]!.ci![1] - 0.84).toBeCloseTo((4.302652729749464 * 0.01) / Math.sqrt(3), 10);
    expect(p!.objective).toEqual([expect.closeTo(0.84, 12), expect.closeTo(0.15, 12)]);
    expect(s!.seeds).toEqual([0, 1, 2]);
  });

  it("tests against the baseline by default, with Holm over the rows", () => {
    const cmp = compare([...base, ...pcgrad, ...equal], e);
    expect(cmp.reference).toBe("single-task");
    const s = cmp.rows.find((r) => r.isBaseline)!;
    expect(s.isReference).toBe(true);
    expect(s.cells[0]!.p).toBeNull();
    const p = cmp.rows.find((r) => r.label === "pcgrad")!;
    const eq = cmp.rows.find((r) => r.label === "equal")!;
    // scipy.stats.ttest_ind([.83,.84,.85],[.8,.82,.78], equal_var=False).pvalue = 0.05478676604107672
    expect(p.cells[0]!.p).toBeCloseTo(0.05478676604107672, 10);
    const lo = Math.min(p.cells[0]!.p!, eq.cells[0]!.p!);
    const hi = Math.max(p.cells[0]!.p!, eq.cells[0]!.p!);
    const adjLo = Math.min(1, 2 * lo);
    expect(Math.min(p.cells[0]!.pHolm!, eq.cells[0]!.pHolm!)).toBeCloseTo(adjLo, 12);
    expect(Math.max(p.cells[0]!.pHolm!, eq.cells[0]!.pHolm!)).toBeCloseTo(Math.max(adjLo, hi), 12);
  });

  it("without single-task runs: no Δm%, still ranked by the objective, and says how to get baselines", () => {
    const cmp = compare([...pcgrad, ...equal], e);
    expect(cmp.hasBaseline).toBe(false);
    expect(cmp.rows.every((r) => r.deltaM === null)).toBe(true);
    expect(cmp.rows.map((r) => [r.label, r.rank])).toEqual([
      ["pcgrad", 1],
      ["equal", 2],
    ]);
    expect(cmp.reference).toBe("equal");
    expect(cmp.notes.join(" ")).toMatch(/baselines: true/);
  });

  it("ranks by the sweep's objective on its split, or on the split asked for", () => {
    // Objective: mean over tasks of... cls accuracy alone, on val (where equal is better than pcgrad).
    const onVal = toyExperiment({ sweep: { objective: { task: "cls", split: "val" } } });
    const p = [0, 1].map((s) => trial("pcgrad", s, { cls: 0.9, reg: 0.1 }, { val: { cls: 0.7, reg: 0.1 } }));
    const q = [0, 1].map((s) => trial("equal", s, { cls: 0.8, reg: 0.1 }, { val: { cls: 0.75, reg: 0.1 } }));
    const val = compare([...p, ...q], onVal);
    expect(val.split).toBe("val");
    expect(val.rows.map((r) => r.label)).toEqual(["equal", "pcgrad"]);
    expect(val.rows[0]!.cells[0]!.mean).toBeCloseTo(0.75, 12);
    const test = compare([...p, ...q], onVal, { split: "test" });
    expect(test.split).toBe("test");
    expect(test.rows.map((r) => r.label)).toEqual(["pcgrad", "equal"]);
  });

  it("marks the Pareto front on the rows' means", () => {
    const tradeoff = [0, 1, 2].map((s) => trial("mgda", s, { cls: 0.9, reg: 0.25 }));
    const cmp = compare([...base, ...pcgrad, ...equal, ...tradeoff], e);
    const front = Object.fromEntries(cmp.rows.map((r) => [r.label, r.onParetoFront]));
    expect(front).toEqual({ pcgrad: true, mgda: true, "single-task": false, equal: false });
  });

  it("gives every configuration its own row: options, architecture and weights tell them apart", () => {
    const rows = [
      ...[0, 1].map((s) => trial("mgda", s, { cls: 0.8, reg: 0.2 })),
      ...[0, 1].map((s) => trial("mgda", s, { cls: 0.9, reg: 0.1 }, { options: { ub: true } })),
      ...[0, 1].map((s) => trial("equal", s, { cls: 0.7, reg: 0.3 }, { architecture: "mmoe" })),
      ...[0, 1].map((s) => trial("equal", s, { cls: 0.6, reg: 0.4 })),
      ...[0, 1].map((s) => trial("fixed", s, { cls: 0.7, reg: 0.2 }, { weights: { cls: 0.5, reg: 1.5 } })),
      ...[0, 1].map((s) => trial("fixed", s, { cls: 0.8, reg: 0.3 }, { weights: { cls: 1.5, reg: 0.5 } })),
    ];
    const cmp = compare(rows, e);
    expect(cmp.rows.map((r) => r.label).sort()).toEqual([
      "equal arch=hard-sharing",
      "equal arch=mmoe",
      "fixed arch=hard-sharing λ=0.5/1.5",
      "fixed arch=hard-sharing λ=1.5/0.5",
      "mgda arch=hard-sharing",
      "mgda{ub=true} arch=hard-sharing",
    ]);
    expect(new Set(cmp.rows.map((r) => r.key)).size).toBe(6);
    expect(cmp.rows.find((r) => r.label.startsWith("mgda{"))!.strategyOptions).toEqual({ ub: true });
    expect(cmp.rows.find((r) => r.label.includes("mmoe"))!.architecture).toBe("mmoe");
    expect(cmp.rows.every((r) => r.candidates === 1 && r.seeds.length === 2)).toBe(true);

    // --by strategy is the explicit merge, and says so in the label and the notes.
    const merged = compare(rows, e, { by: "strategy" });
    expect(merged.rows.map((r) => r.label).sort()).toEqual([
      "equal (best of 2: equal arch=mmoe)",
      "fixed (best of 2: fixed arch=hard-sharing λ=0.5/1.5)",
      "mgda (best of 2: mgda{ub=true} arch=hard-sharing)",
    ]);
    expect(merged.rows.map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(merged.notes.join(" ")).toMatch(/Merged by strategy.*optimistic/);
  });

  it("pairs a configuration only with the baseline of its own training parameters and seeds", () => {
    const lr2 = baselines([{ cls: 0.5, reg: 0.5 }], 0.01); // another learning rate: not pcgrad's
    const partial = baselines([{ cls: 0.8, reg: 0.2 }]); // seed 0 only
    const eqLr2 = [trial("equal", 0, { cls: 0.6, reg: 0.4 }, { lr: 0.01 })];
    const cmp = compare([...partial, ...lr2, ...pcgrad, ...eqLr2], e);
    const p = cmp.rows.find((r) => r.method === "pcgrad")!;
    expect(p.deltaM!.values).toEqual([expect.closeTo(dm([0.83, 0.14], [0.8, 0.2]), 10)]);
    expect(p.unpaired).toEqual([1, 2]);
    const q = cmp.rows.find((r) => r.method === "equal")!;
    expect(q.deltaM!.mean).toBeCloseTo(dm([0.6, 0.4], [0.5, 0.5]), 10);
    expect(cmp.notes.join(" ")).toMatch(/left out for want of one: pcgrad.*seed 1, 2/);
    // Two baselines (one per learning rate): both shown, neither ranked, labelled apart.
    const labels = cmp.rows.filter((r) => r.isBaseline).map((r) => r.label);
    expect(labels.sort()).toEqual(["single-task lr=0.001", "single-task lr=0.01"]);
  });

  it("shows a diverged seed as diverged: counted in n, left out of the means, named in the notes", () => {
    const nan = trial("pcgrad", 3, { cls: Number.NaN, reg: 0.15 });
    const cmp = compare([...base, ...pcgrad, nan], e);
    const p = cmp.rows.find((r) => r.method === "pcgrad")!;
    expect(p.seeds).toEqual([0, 1, 2, 3]);
    expect(p.diverged).toEqual([3]);
    expect(p.cells[0]!.diverged).toBe(1);
    expect(p.cells[0]!.n).toBe(3);
    expect(p.cells[0]!.mean).toBeCloseTo(0.84, 12);
    expect(p.cells[1]!.n).toBe(4);
    expect(cmp.notes.join(" ")).toMatch(/Diverged .*pcgrad seed 3/);
    // A null on the wire (JSON has no NaN) is a diverged value too, not a missing one.
    const wire = trial("pcgrad", 4, { cls: 0.8, reg: 0.15 });
    (wire.final!.cls!.test as Record<string, unknown>).accuracy = null;
    expect(compare([...pcgrad, wire], e).rows[0]!.cells[0]!.diverged).toBe(1);
  });

  it("lists the trials it left out and why", () => {
    const cmp = compare(
      [
        ...pcgrad,
        trial("pcgrad", 3, {}, { state: "pruned", prunedEpoch: 2 }),
        trial("pcgrad", 4, {}, { state: "failed", error: "NaN loss at epoch 1" }),
        trial("pcgrad", 5, {}, { state: "running" }),
      ],
      e,
    );
    expect(cmp.rows[0]!.seeds).toEqual([0, 1, 2]);
    expect(cmp.excluded).toEqual({ pruned: 1, failed: 1, running: 1 });
    expect(cmp.leftOut.map((t) => [t.seed, t.label, t.reason])).toEqual([
      [3, "pcgrad", "pruned at epoch 2"],
      [4, "pcgrad", "failed: NaN loss at epoch 1"],
      [5, "pcgrad", "not finished (running)"],
    ]);
  });

  it("options: metric, reference, permutation test, and clear errors", () => {
    const all = [...base, ...pcgrad, ...equal];
    const perm = compare(all, e, { test: "permutation", reference: "equal" });
    expect(perm.reference).toBe("equal");
    // 3 vs 3, fully separated: exact p = 2/20.
    expect(perm.rows.find((r) => r.label === "pcgrad")!.cells[0]!.p).toBeCloseTo(0.1, 12);
    expect(() => compare(all, e, { reference: "nope" })).toThrow(/no row "nope".*pcgrad/);
    expect(() => compare(all, e, { metric: "f1" })).toThrow(/no task reports f1.*accuracy/);
    expect(compare(all, e, { metric: "accuracy" }).columns.map((c) => c.task)).toEqual(["cls"]);
    expect(() => compare([trial("x", 0, { cls: 1 }, { state: "failed" })], e)).toThrow(/no completed trials/);
  });
});
