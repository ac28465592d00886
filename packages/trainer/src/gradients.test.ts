import { Rng } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { initBackend } from "./backend.ts";
import { type Activation, conv3x3Pool, im2col3x3, maxPool2x2 } from "./models/layers.ts";

await initBackend("wasm");
const rng = new Rng(7);
const rand = (shape: number[], offset = 0) =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() + offset),
    shape,
  );

/** Compares tf.grad with central differences on a few coordinates. */
function check(
  name: string,
  shape: number[],
  op: (x: tf.Tensor) => tf.Tensor,
  offset = 0,
  nearKink: (v: number) => boolean = () => false,
) {
  it(name, () => {
    const x = rand(shape, offset);
    const outShape = tf.tidy(() => op(x).shape);
    const r = rand(outShape);
    const f = (t: tf.Tensor) => tf.sum(tf.mul(op(t), r)) as tf.Scalar;
    const analytic = tf.tidy(() => tf.grad(f)(x)).dataSync();
    const base = x.dataSync().slice();
    // Small enough that a step rarely moves a pooling window's maximum (a kink).
    const eps = 2e-3;
    const n = base.length;
    for (let s = 0; s < Math.min(n, 12); s++) {
      const k = (s * 7919) % n;
      if (nearKink(base[k] as number)) continue; // finite differences are meaningless across a kink
      const at = (delta: number) => {
        const v = base.slice();
        v[k] = (v[k] as number) + delta;
        return tf.tidy(() => f(tf.tensor(v, shape)).dataSync()[0] as number);
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      expect(analytic[k]).toBeCloseTo(numeric, 1);
      expect(Math.abs((analytic[k] as number) - numeric)).toBeLessThan(2e-2 * Math.max(1, Math.abs(numeric)));
    }
    tf.dispose([x, r]);
  });
}

describe("registered gradients match finite differences (wasm backend)", () => {
  const b3 = rand([3]);
  const m34 = rand([3, 4]);
  const m45 = rand([4, 5]);
  const m54 = rand([5, 4]);
  check("Add with broadcast bias (both inputs)", [4, 3], (x) =>
    tf.add(tf.add(x, b3), tf.reshape(tf.sum(x, 0), [3])),
  );
  check("Sub, Neg", [4, 3], (x) => tf.sub(b3, tf.neg(x)));
  check("Multiply, RealDiv", [4, 3], (x) => tf.div(tf.mul(x, b3), tf.add(tf.square(x), 2)));
  check(
    "Minimum, Maximum",
    [12],
    (x) => tf.add(tf.minimum(x, 0.3), tf.maximum(x, -0.3)),
    0,
    (v) => Math.abs(Math.abs(v) - 0.3) < 0.05,
  );
  check(
    "Abs, Relu",
    [12],
    (x) => tf.add(tf.abs(x), tf.relu(tf.mul(x, 2))),
    0,
    (v) => Math.abs(v) < 0.05,
  );
  check("Exp, Log, Tanh", [5], (x) => tf.add(tf.log(tf.add(tf.exp(x), 1)), tf.tanh(x)));
  check("Softmax, logSoftmax", [3, 4], (x) => tf.add(tf.softmax(x), tf.logSoftmax(x)));
  check("Sum, Mean over axes", [3, 4], (x) => tf.add(tf.sum(x, 1, true), tf.mean(x, 0)));
  check("MatMul", [3, 4], (x) => tf.matMul(x, m45));
  check("MatMul transposeA", [4, 3], (x) => tf.matMul(x, m45, true, false));
  check("MatMul transposeB (and through the weight)", [5, 4], (x) =>
    tf.add(tf.matMul(m34, x, false, true), tf.matMul(m34, tf.transpose(x), false, false)),
  );
  check("MatMul both transposed", [4, 3], (x) => tf.matMul(x, m54, true, true));
  check("Transpose, Reshape, ExpandDims", [2, 3], (x) => tf.expandDims(tf.reshape(tf.transpose(x), [6]), 1));
  check("AddN, Pack, Unpack", [2, 3], (x) => {
    const [a, b] = tf.unstack(x);
    return tf.stack([tf.addN([a as tf.Tensor, b as tf.Tensor, a as tf.Tensor]), tf.mul(b as tf.Tensor, 2)]);
  });
  check("Concat, Slice", [3, 4], (x) =>
    tf.concat([tf.slice(x, [1, 0], [2, 3]), tf.slice(x, [0, 1], [2, 3])], 1),
  );
  check("maxPool2x2 (first maximum of each window), odd sizes cropped", [2, 5, 4, 3], (x) =>
    maxPool2x2(x as tf.Tensor4D),
  );
  check("im2col3x3 (col2im)", [2, 5, 4, 2], (x) => im2col3x3(x as tf.Tensor4D));

  const img = rand([2, 7, 6, 2]);
  const K = tf.mul(rand([18, 3]), 0.5);
  const bias = rand([3]);
  for (const act of ["relu", "tanh", "gelu"] as Activation[]) {
    check(`conv3x3Pool (${act}) w.r.t. the image`, [2, 7, 6, 2], (x) =>
      conv3x3Pool(x as tf.Tensor4D, K, bias, act),
    );
    check(`conv3x3Pool (${act}) w.r.t. the kernel`, [18, 3], (k) =>
      conv3x3Pool(img as tf.Tensor4D, k, bias, act),
    );
    check(`conv3x3Pool (${act}) w.r.t. the bias`, [3], (b) => conv3x3Pool(img as tf.Tensor4D, K, b, act));
  }
});

describe("cnn pieces against TensorFlow's own ops on the cpu backend", () => {
  /** Runs f on the cpu backend, then returns to wasm. */
  async function onCpu<T>(f: () => T): Promise<T> {
    await initBackend("cpu");
    try {
      return f();
    } finally {
      await initBackend("wasm");
    }
  }

  it("maxPool2x2 equals tf.maxPool (odd sizes, ties), on wasm and on cpu", async () => {
    for (const shape of [
      [2, 6, 5, 3],
      [3, 26, 26, 32],
      [1, 7, 9, 4],
    ]) {
      // Rounded values: many ties within windows.
      const x = tf.tidy(() => tf.round(tf.mul(rand(shape), 2)));
      const ours = tf.tidy(() => Array.from(maxPool2x2(x as tf.Tensor4D).dataSync()));
      const [oursCpu, theirs] = await onCpu(() =>
        tf.tidy(() => [
          Array.from(maxPool2x2(x as tf.Tensor4D).dataSync()),
          Array.from(tf.maxPool(x as tf.Tensor4D, 2, 2, "valid").dataSync()),
        ]),
      );
      const plus0 = (v: number[]) => v.map((e) => e + 0); // XNNPACK may return -0 where cpu has 0
      expect(plus0(ours)).toEqual(plus0(theirs));
      expect(plus0(oursCpu)).toEqual(plus0(theirs));
      x.dispose();
    }
  });

  it("maxPool2x2 sends each window's gradient to its first maximum only", () => {
    // One image, 2×4, two channels; windows: [1 1 / 1 1] (all tied), [0 3 / 3 2] (tie at 3).
    // prettier-ignore
    const x = tf.tensor4d([1, 5, 1, 5, 0, 7, 3, 1, 1, 5, 1, 5, 3, 7, 2, 9], [1, 2, 4, 2]);
    const g = tf.tidy(() =>
      Array.from(
        tf
          .grad((t: tf.Tensor) => tf.sum(maxPool2x2(t as tf.Tensor4D)))(x)
          .dataSync(),
      ),
    );
    // Channel 0: first corner of window 1; the first 3 (top right) of window 2.
    // Channel 1: first 5 of window 1; the 9 (bottom right) of window 2.
    expect(g).toEqual([1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    x.dispose();
  });

  it("conv3x3Pool equals tf.conv2d + bias + activation + tf.maxPool", async () => {
    const x = rand([3, 9, 8, 2]);
    const K = rand([18, 4]);
    const b = rand([4]);
    for (const act of ["relu", "tanh", "gelu"] as Activation[]) {
      const ours = tf.tidy(() => Array.from(conv3x3Pool(x as tf.Tensor4D, K, b, act).dataSync()));
      const theirs = await onCpu(() =>
        tf.tidy(() => {
          const y = tf.add(
            tf.conv2d(x as tf.Tensor4D, tf.reshape(K, [3, 3, 2, 4]) as tf.Tensor4D, 1, "valid"),
            b,
          );
          const a =
            act === "relu"
              ? tf.relu(y)
              : act === "tanh"
                ? tf.tanh(y)
                : tf.mul(
                    tf.mul(0.5, y),
                    tf.add(
                      1,
                      tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(y, tf.mul(0.044715, tf.pow(y, 3))))),
                    ),
                  );
          return Array.from(tf.reshape(tf.maxPool(a as tf.Tensor4D, 2, 2, "valid"), [3, -1]).dataSync());
        }),
      );
      expect(ours.length).toBe(3 * 3 * 3 * 4);
      ours.forEach((v, i) => {
        expect(v).toBeCloseTo(theirs[i] as number, 4);
      });
    }
    tf.dispose([x, K, b]);
  });
});
