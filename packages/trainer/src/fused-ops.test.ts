/**
 * The fused dense layer and mean losses against the tf compositions they replace: the same
 * values and gradients, on wasm (registered kernels on the heap) and on cpu (one customGrad).
 */

import { Rng } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend.ts";
import { type LossName, meanLoss } from "./losses.ts";
import { denseOp, type FusedActivation } from "./models/dense-op.ts";

/**
 * Per-sample loss. `target` holds int32 class indices (classification) or float values
 * (regression); `output` is [N, classes] logits or [N, 1] values.
 */
/** The reference: the loss as a composition of tf ops. */
function perSampleLoss(
  loss: LossName,
  output: tf.Tensor2D,
  target: tf.Tensor1D,
  classes: number,
): tf.Tensor1D {
  if (loss === "cross-entropy") {
    const logp = tf.logSoftmax(output);
    return tf.neg(tf.sum(tf.mul(tf.oneHot(target, classes), logp), 1)) as tf.Tensor1D;
  }
  const diff = tf.sub(tf.reshape(output, [-1]), target);
  switch (loss) {
    case "mse":
      return tf.square(diff) as tf.Tensor1D;
    case "mae":
      return tf.abs(diff) as tf.Tensor1D;
    case "huber": {
      // δ = 1: ½d² inside, |d| − ½ outside.
      const a = tf.abs(diff);
      const q = tf.minimum(a, 1);
      return tf.add(tf.mul(0.5, tf.square(q)), tf.sub(a, q)) as tf.Tensor1D;
    }
  }
}

const rng = new Rng(11);
const values = (n: number, scale = 1) => Float32Array.from({ length: n }, () => scale * rng.normal());

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5) {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++)
    worst = Math.max(
      worst,
      Math.abs((actual[i] as number) - (expected[i] as number)) /
        Math.max(1, Math.abs(expected[i] as number)),
    );
  expect(worst).toBeLessThan(tol);
}

/** Value and gradients of Σ f(x, W, b)·r with respect to x, W and b. */
function valueAndGrads(
  f: (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor,
  data: { x: Float32Array; W: Float32Array; b: Float32Array; r: Float32Array },
  [n, k, m]: [number, number, number],
) {
  return tf.tidy(() => {
    const x = tf.tensor2d(data.x, [n, k]);
    const W = tf.tensor2d(data.W, [k, m]);
    const b = tf.tensor1d(data.b);
    const r = tf.tensor2d(data.r, [n, m]);
    const y = f(x, W, b);
    const grads = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
      tf.sum(tf.mul(f(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D), r)),
    )([x, W, b]);
    return [y, ...grads].map((t) => t.dataSync().slice());
  });
}

const composed = (activation: FusedActivation) => (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) => {
  const z = tf.add(tf.matMul(x, W), b);
  return activation === "relu" ? tf.relu(z) : activation === "tanh" ? tf.tanh(z) : z;
};

afterAll(async () => {
  await initBackend("wasm");
});

describe.each(["wasm", "cpu"])("denseOp on %s equals matMul + add + activation", (backend) => {
  // Shapes the wasm products take different paths for: N a multiple of 4, narrow N, N = 1.
  const shapes: [number, number, number][] = [
    [33, 16, 64],
    [5, 7, 6],
    [8, 12, 1],
  ];
  for (const activation of ["relu", "tanh", "linear"] as const)
    for (const shape of shapes)
      it(`${activation}, x [${shape[0]}, ${shape[1]}] · W [${shape[1]}, ${shape[2]}]`, async () => {
        const [n, k, m] = shape;
        const data = { x: values(n * k), W: values(k * m, 0.5), b: values(m), r: values(n * m) };
        // relu: a bias that makes row 0 of x·W + b exactly −0.5, so the kernel has values to cut.
        if (activation === "relu")
          for (let j = 0; j < m; j++) {
            let z = 0;
            for (let i = 0; i < k; i++) z += (data.x[i] as number) * (data.W[i * m + j] as number);
            data.b[j] = -z - 0.5;
          }
        await initBackend("cpu");
        const expected = valueAndGrads(composed(activation), data, shape);
        await initBackend(backend);
        const actual = valueAndGrads((x, W, b) => denseOp(x, W, b, activation), data, shape);
        for (const [i, e] of expected.entries()) close(actual[i] as Float32Array, e);
        // A kernel that ignored the activation or the bias would fail the value check above;
        // make sure relu actually cut something in this data.
        if (activation === "relu") expect(actual[0]?.some((v) => v === 0)).toBe(true);
      });
});

describe.each(["wasm", "cpu"])("meanLoss on %s equals the mean of perSampleLoss", (backend) => {
  const n = 9;
  const cases: { loss: LossName; width: number; target: Int32Array | Float32Array }[] = [
    { loss: "cross-entropy", width: 3, target: Int32Array.from([0, 1, 2, 2, 1, 0, 1, 1, 2]) },
    // Targets far from the outputs for some samples: huber's linear part and mae's sign.
    { loss: "mse", width: 1, target: values(n, 2) },
    { loss: "mae", width: 1, target: values(n, 2) },
    { loss: "huber", width: 1, target: values(n, 2) },
  ];
  for (const c of cases)
    it(c.loss, async () => {
      const out = values(n * c.width, 2);
      const run = (f: (o: tf.Tensor2D, y: tf.Tensor1D) => tf.Scalar) =>
        tf.tidy(() => {
          const o = tf.tensor2d(out, [n, c.width]);
          const y = tf.tensor1d(c.target, c.target instanceof Int32Array ? "int32" : "float32");
          const grad = tf.grad((t: tf.Tensor) => f(t as tf.Tensor2D, y))(o);
          return [f(o, y).dataSync().slice(), grad.dataSync().slice()];
        });
      await initBackend("cpu");
      const expected = run((o, y) => tf.mean(perSampleLoss(c.loss, o, y, c.width)) as tf.Scalar);
      await initBackend(backend);
      const actual = run((o, y) => meanLoss(c.loss, o, y, c.width));
      close(actual[0] as Float32Array, expected[0] as Float32Array);
      close(actual[1] as Float32Array, expected[1] as Float32Array);
    });

  it("names a label outside the classes", async () => {
    await initBackend(backend);
    const o = tf.zeros([2, 3]) as tf.Tensor2D;
    const y = tf.tensor1d([0, 3], "int32");
    expect(() => meanLoss("cross-entropy", o, y, 3)).toThrow(/label 3 outside \[0, 3\)/);
    tf.dispose([o, y]);
  });
});
