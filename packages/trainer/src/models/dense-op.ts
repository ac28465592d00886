/**
 * A dense layer, act(x·W + b), as one op with its own gradient.
 *
 * Why: the models here are small, so a training step costs what the engine spends per op rather
 * than the arithmetic. Composed of matMul, add and relu, a layer leaves three nodes on the
 * gradient tape and its backward pass runs about a dozen kernels (broadcast sums, reshapes, step
 * masks, clones of every saved input), each a handful of short-lived objects. Fewer allocations
 * matter beyond one thread's speed: two trainers on neighbouring cores slow each other through
 * the garbage collection of what they allocate (see `pnpm bench orchestration`).
 *
 * Where the accel is active (@mtl/accel: wasm) the layer is its registered kernel pair working
 * on the heap; elsewhere the same computation from tf ops, untaped inside one tf.customGrad.
 * gelu has no fused form: it is applied outside, on the linear op.
 */

import type { DenseActivation } from "@mtl/accel";
import * as tf from "@tensorflow/tfjs-core";
import { fast } from "../accel.ts";
import { columnSums } from "../gradients.ts";

export type FusedActivation = DenseActivation;

type CustomOp = Parameters<typeof tf.customGrad>[0];

function composed(activation: FusedActivation) {
  return tf.customGrad(((x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const z = tf.add(tf.matMul(x, W), b);
    const y = activation === "relu" ? tf.relu(z) : activation === "tanh" ? tf.tanh(z) : z;
    save([x, W, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, Ws, ys] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const g = (
          activation === "relu"
            ? tf.mul(dy, tf.step(ys))
            : activation === "tanh"
              ? tf.mul(dy, tf.sub(1, tf.square(ys)))
              : dy
        ) as tf.Tensor2D;
        return [tf.matMul(g, Ws, false, true), tf.matMul(xs, g, true, false), columnSums(g)];
      },
    };
  }) as unknown as CustomOp) as (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
}

const composedOps: Record<FusedActivation, (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D> =
  {
    relu: composed("relu"),
    tanh: composed("tanh"),
    linear: composed("linear"),
  };

/**
 * The backward pass of one layer outside any gradient tape (for a step that backpropagates by
 * hand): from dL/dy, the layer's input x and output y, returns dL/dW, dL/db and, with
 * `withDx`, dL/dx. Only where the accel is active (dense-step.ts checks).
 */
export function denseBackward(
  dy: tf.Tensor,
  x: tf.Tensor,
  W: tf.Tensor,
  y: tf.Tensor,
  activation: FusedActivation,
  withDx: boolean,
): { dx?: tf.Tensor; dW: tf.Tensor; db: tf.Tensor } {
  const accel = fast();
  if (!accel) throw new Error("denseBackward: the accel is not active");
  return accel.denseBackward(dy, x, W, y, activation, withDx);
}

/** act(x·W + b) for float32 x [n, in], W [in, out], b [out], as one op on the gradient tape. */
export function denseOp(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  b: tf.Tensor1D,
  activation: FusedActivation,
): tf.Tensor2D {
  const accel = fast();
  if (accel && x.dtype === "float32") return accel.dense(x, W, b, activation);
  return composedOps[activation](x, W, b);
}
