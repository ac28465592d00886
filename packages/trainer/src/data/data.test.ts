import { describe, expect, it } from "vitest";
import { datasets } from "../registries.ts";
import { parseCsv } from "./csv.ts";
import { splitDataset } from "./split.ts";
import type { Dataset } from "./types.ts";

const load = async (name: string, options: unknown, seed = 0) => {
  const { item, options: o } = datasets.resolve(name, options);
  return (await item.load(o, { seed, dataDirs: [] })) as Dataset;
};

describe("classification", () => {
  it("is deterministic in the seed and names tasks task1..taskN", async () => {
    const a = await load("classification", { n_samples: 200, n_tasks: 3 });
    const b = await load("classification", { n_samples: 200, n_tasks: 3 });
    const c = await load("classification", { n_samples: 200, n_tasks: 3 }, 1);
    expect(Object.keys(a.targets)).toEqual(["task1", "task2", "task3"]);
    expect(a.x).toEqual(b.x);
    expect(a.x).not.toEqual(c.x);
  });

  it("relatedness sets how often task labels agree", async () => {
    const agreement = async (relatedness: number) => {
      const d = await load("classification", { n_samples: 2000, relatedness, flip_y: 0 });
      const [t1, t2] = [d.targets.task1, d.targets.task2];
      if (t1?.kind !== "classification" || t2?.kind !== "classification") throw new Error("kind");
      return t1.labels.filter((y, i) => y === t2.labels[i]).length / d.n;
    };
    expect(await agreement(1)).toBe(1);
    expect(await agreement(0)).toBeCloseTo(0.5, 1);
    expect(await agreement(0.6)).toBeCloseTo(0.8, 1); // 0.6 + 0.4·½
  });

  it("rejects options that cannot fit", () => {
    expect(() => datasets.resolve("classification", { n_features: 5 })).toThrow(/n_features/);
  });
});

describe("correlated-regression", () => {
  it("builds tasks whose weight vectors have cosine p (visible as label correlation of the linear parts)", async () => {
    const corr = async (p: number) => {
      const d = await load("correlated-regression", {
        n_samples: 4000,
        dim: 20,
        correlation: p,
        n_sin: 0,
        noise: 0,
      });
      const [a, b] = [d.targets.task1, d.targets.task2];
      if (a?.kind !== "regression" || b?.kind !== "regression") throw new Error("kind");
      const mean = (v: Float32Array) => v.reduce((s, x) => s + x, 0) / v.length;
      const [ma, mb] = [mean(a.values), mean(b.values)];
      let sab = 0;
      let saa = 0;
      let sbb = 0;
      a.values.forEach((x, i) => {
        const y = b.values[i] as number;
        sab += (x - ma) * (y - mb);
        saa += (x - ma) ** 2;
        sbb += (y - mb) ** 2;
      });
      return sab / Math.sqrt(saa * sbb);
    };
    expect(await corr(0.9)).toBeCloseTo(0.9, 1);
    expect(await corr(0)).toBeCloseTo(0, 1);
  });
});

describe("mnist-multitask", () => {
  it("reads the digits offline with derived tasks", async () => {
    const d = await load("mnist-multitask", { n_samples: 100 });
    expect(d.inputShape).toEqual([28, 28, 1]);
    const digit = d.targets.digit;
    const parity = d.targets.parity;
    if (digit?.kind !== "classification" || parity?.kind !== "classification") throw new Error("kind");
    digit.labels.forEach((y, i) => {
      expect(parity.labels[i]).toBe(y % 2);
    });
    expect(new Set(digit.labels).size).toBeGreaterThan(5);
  });
});

describe("csv", () => {
  it("parses quotes, CRLF and doubled quotes", () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n1,2')).toEqual([
      ["a", "b"],
      ["x, y", 'say "hi"'],
      ["1", "2"],
    ]);
  });
});

describe("splitDataset", () => {
  it("splits by the fractions and standardises with training statistics only", async () => {
    const d = await load("classification", { n_samples: 1000 });
    const s = splitDataset(d, { val: 0.2, test: 0.1 }, 0);
    expect([s.train.n, s.val.n, s.test.n]).toEqual([700, 200, 100]);
    const col0 = Array.from({ length: s.train.n }, (_, i) => s.train.x[i * 20] as number);
    expect(col0.reduce((a, b) => a + b, 0) / col0.length).toBeCloseTo(0, 5);
  });
});
