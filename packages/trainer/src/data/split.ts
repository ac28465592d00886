import { rngStream } from "@mtl/spec";
import type { Dataset, SplitData, SplitDataset, Target } from "./types.ts";

/**
 * Splits by a permutation seeded from the dataset seed, so every trial of an experiment sees the
 * same train/val/test samples, or by the dataset's own fixed assignment. Standardisation uses
 * training statistics only (no leakage).
 */
export function splitDataset(
  ds: Dataset,
  fractions: { val: number; test: number },
  seed: number,
): SplitDataset {
  let perm: Int32Array;
  let nTrain: number;
  let nVal: number;
  let nTest: number;
  if (ds.assignment) {
    // A fixed split: each split's samples in their original order.
    const a = ds.assignment;
    const rows = [0, 1, 2].map((s) => Int32Array.from(a.keys()).filter((i) => a[i] === s));
    [nTrain, nVal, nTest] = rows.map((r) => r.length) as [number, number, number];
    perm = Int32Array.from(rows.flatMap((r) => Array.from(r)));
    if (nTrain < 1) throw new Error("dataset: the fixed split has no training samples");
  } else {
    perm = rngStream("split", seed).permutation(ds.n);
    nTest = Math.round(ds.n * fractions.test);
    nVal = Math.round(ds.n * fractions.val);
    nTrain = ds.n - nTest - nVal;
    if (nTrain < 1) throw new Error(`dataset has ${ds.n} samples: too few for the val/test fractions`);
  }
  const d = ds.inputShape.reduce((a, b) => a * b, 1);
  const whole: SplitData = { n: ds.n, x: ds.x, targets: ds.targets };
  const take = (from: number, count: number): SplitData =>
    selectRows(whole, perm.subarray(from, from + count), d);
  const train = take(0, nTrain);
  const val = take(nTrain, nVal);
  const test = take(nTrain + nVal, nTest);
  if (ds.standardize) {
    const { mean, std } = columnStats(train.x, d);
    for (const s of [train, val, test]) standardizeInPlace(s.x, d, mean, std);
    return { inputShape: ds.inputShape, train, val, test, standardization: { mean, std } };
  }
  return { inputShape: ds.inputShape, train, val, test };
}

/** The rows `rows` of a split (in that order), copied. `d` is the features per row. */
export function selectRows(
  split: SplitData,
  rows: Int32Array,
  d = split.n > 0 ? split.x.length / split.n : 0,
): SplitData {
  const count = rows.length;
  const x = new Float32Array(count * d);
  rows.forEach((src, i) => {
    x.set(split.x.subarray(src * d, src * d + d), i * d);
  });
  const targets: Record<string, Target> = {};
  for (const [name, t] of Object.entries(split.targets)) {
    if (t.kind === "classification") {
      const labels = new Int32Array(count);
      rows.forEach((src, i) => {
        labels[i] = t.labels[src] as number;
      });
      targets[name] = { ...t, labels };
    } else {
      const values = new Float32Array(count);
      rows.forEach((src, i) => {
        values[i] = t.values[src] as number;
      });
      targets[name] = { kind: "regression", values };
    }
  }
  return { n: count, x, targets };
}

/**
 * A seeded random sample of at most `samples` rows of every split (a smoke run), in their
 * original order; the same seed samples the same rows.
 */
export function sampleSplits(data: SplitDataset, samples: number, seed: number): SplitDataset {
  const d = data.inputShape.reduce((a, b) => a * b, 1);
  const sample = (s: SplitData, name: string): SplitData => {
    if (s.n <= samples) return s;
    const rows = rngStream("smoke", seed, name).permutation(s.n).subarray(0, samples).sort();
    return selectRows(s, rows, d);
  };
  return {
    ...data,
    train: sample(data.train, "train"),
    val: sample(data.val, "val"),
    test: sample(data.test, "test"),
  };
}

export function columnStats(x: Float32Array, d: number): { mean: Float64Array; std: Float64Array } {
  const n = x.length / d;
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j] as number;
      mean[j] = (mean[j] as number) + v;
      sq[j] = (sq[j] as number) + v * v;
    }
  const std = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const m = (mean[j] as number) / Math.max(n, 1);
    mean[j] = m;
    const v = (sq[j] as number) / Math.max(n, 1) - m * m;
    // Constant columns keep their scale rather than dividing by ~0.
    std[j] = v > 1e-12 ? Math.sqrt(v) : 1;
  }
  return { mean, std };
}

function standardizeInPlace(x: Float32Array, d: number, mean: Float64Array, std: Float64Array): void {
  for (let i = 0; i < x.length; i++) {
    const j = i % d;
    x[i] = ((x[i] as number) - (mean[j] as number)) / (std[j] as number);
  }
}
