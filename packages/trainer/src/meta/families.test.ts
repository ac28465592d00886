/** The task families: distributions, determinism, and held-out tasks kept out of meta-training. */

import { Rng } from "@mtl/spec";
import { describe, expect, it } from "vitest";
import { fewShotMnist } from "../data/few-shot-mnist.ts";
import { sinusoid } from "../data/sinusoid.ts";

describe("sinusoid", () => {
  const family = sinusoid.family(sinusoid.options.parse({}), { seed: 0 });

  it("draws y = A·sin(x − φ) with A ∈ [0.1, 5], φ ∈ [0, π], x ∈ [−5, 5]", () => {
    const e = family.sampleTrain(200, new Rng(1));
    expect(e).toMatchObject({ tasks: 200, shots: 10, queries: 10, features: 1 });
    for (let t = 0; t < e.tasks; t++) {
      const xs = [...e.supportX.subarray(t * 10, t * 10 + 10), ...e.queryX.subarray(t * 10, t * 10 + 10)];
      const ys = [...e.supportY.subarray(t * 10, t * 10 + 10), ...e.queryY.subarray(t * 10, t * 10 + 10)];
      for (const x of xs) expect(Math.abs(x)).toBeLessThanOrEqual(5);
      // Recover A and φ from two points by least squares over a grid of φ, then check every point.
      let best = Number.POSITIVE_INFINITY;
      for (let k = 0; k <= 2000; k++) {
        const phi = (Math.PI * k) / 2000;
        const s = xs.map((x) => Math.sin(x - phi));
        const A = s.reduce((a, v, i) => a + v * (ys[i] as number), 0) / s.reduce((a, v) => a + v * v, 0);
        if (A < 0.1 - 1e-3 || A > 5 + 1e-3) continue;
        best = Math.min(best, Math.max(...s.map((v, i) => Math.abs(A * v - (ys[i] as number)))));
      }
      expect(best).toBeLessThan(0.02);
    }
  });

  it("fixes held-out tasks by the dataset seed, different for val and test", () => {
    const again = sinusoid.family(sinusoid.options.parse({}), { seed: 0 });
    expect(again.heldOut("test").queryY).toEqual(family.heldOut("test").queryY);
    expect(family.heldOut("val").queryY).not.toEqual(family.heldOut("test").queryY);
    expect(family.heldOut("test")).toMatchObject({ tasks: 100, shots: 10, queries: 100 });
    const other = sinusoid.family(sinusoid.options.parse({}), { seed: 1 });
    expect(other.heldOut("test").queryY).not.toEqual(family.heldOut("test").queryY);
  });

  it("loads as a plain regression dataset of pooled points", async () => {
    const d = await sinusoid.load(sinusoid.options.parse({ n_samples: 300 }), { seed: 0, dataDirs: [] });
    expect(d).toMatchObject({ n: 300, inputShape: [1] });
    expect(d.targets.sinusoid?.kind).toBe("regression");
  });
});

describe("few-shot-mnist", () => {
  const options = fewShotMnist.options.parse({
    nWay: 3,
    kShot: 2,
    queries: 4,
    evalTasks: 5,
    n_samples: 2000,
  });
  const family = fewShotMnist.family(options, { seed: 0 });

  it("gives N-way K-shot episodes with labels 0..N−1, K per class", () => {
    const e = family.sampleTrain(6, new Rng(2));
    expect(e).toMatchObject({ tasks: 6, shots: 6, queries: 12, features: 784 });
    for (let t = 0; t < 6; t++) {
      const labels = [...e.supportY.subarray(t * 6, t * 6 + 6)].sort();
      expect(labels).toEqual([0, 0, 1, 1, 2, 2]);
    }
    expect(family.outputs).toBe(3);
    expect(family.pooledOutputs).toBe(5);
  });

  it("keeps the held-out digits' images out of meta-training, and val apart from test", () => {
    // Every pixel row of a held-out episode must be an image of a test digit, never a training one.
    const all = fewShotMnist.load(options, { seed: 0, dataDirs: [] }) as { x: Float32Array; n: number };
    const key = (x: Float32Array, row: number) => x.subarray(row * 784, row * 784 + 784).join(",");
    const trainImages = new Set(Array.from({ length: all.n }, (_, i) => key(all.x, i)));
    const imagesOf = (split: "val" | "test") => {
      const e = family.heldOut(split);
      return [
        ...Array.from({ length: e.tasks * e.shots }, (_, i) => key(e.supportX, i)),
        ...Array.from({ length: e.tasks * e.queries }, (_, i) => key(e.queryX, i)),
      ];
    };
    const val = imagesOf("val");
    const test = imagesOf("test");
    for (const img of [...val, ...test]) expect(trainImages.has(img)).toBe(false);
    const testSet = new Set(test);
    expect(val.filter((img) => testSet.has(img))).toEqual([]);
  });

  it("rejects N larger than the digits on either side", () => {
    expect(fewShotMnist.options.safeParse({ nWay: 6 }).success).toBe(false);
    expect(fewShotMnist.options.safeParse({ nWay: 3, testDigits: [8, 9] }).success).toBe(false);
  });
});
