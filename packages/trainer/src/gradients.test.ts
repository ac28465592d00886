import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { initBackend } from "./backend.ts";
import { maxPool2x2 } from "./models/layers.ts";
import { createRng } from "./rng.ts";

await initBackend("wasm");
const rng = createRng(7);
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
    const eps = 1e-2;
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
  check("maxPool2x2 (reshape, slice, maximum), odd sizes cropped", [2, 5, 4, 3], (x) =>
    maxPool2x2(x, 2, 2, 3),
  );

  it("maxPool2x2 equals tf.maxPool", () => {
    const x = rand([2, 6, 5, 3]);
    const ours = tf.tidy(() => maxPool2x2(x, 3, 2, 3).dataSync());
    const theirs = tf.tidy(() => tf.maxPool(x as tf.Tensor4D, 2, 2, "valid").dataSync());
    expect(Array.from(ours)).toEqual(Array.from(theirs));
    x.dispose();
  });
});
