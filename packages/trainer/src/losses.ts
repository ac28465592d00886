/** Per-sample task losses on device; training uses their mean. */

import type { Accel } from "@mtl/accel";
import type { TaskSpec } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { fast } from "./accel.ts";
import { floats, ints } from "./host-data.ts";

export type LossName = TaskSpec["loss"];

type CustomOp = Parameters<typeof tf.customGrad>[0];
const LOSSES: readonly LossName[] = ["cross-entropy", "mse", "mae", "huber"];

/**
 * The batch mean of a task's loss (cross-entropy of logits, squared or absolute error, huber with
 * δ = 1) as one op with its own gradient, computed on the host in one
 * pass over the batch's outputs (they are small). Composed, the loss leaves a dozen nodes on the
 * gradient tape and runs some thirty kernels forward and back; see models/dense-op.ts for why
 * that matters. Where the accel is active the op is a host-kernel pair reading the heap in place
 * (`MtlMeanLoss`, `MtlMeanLossGrad`); elsewhere one tf.customGrad.
 * Equal to the composition up to float rounding (losses.test.ts). Its gradient is not itself
 * differentiable: training needs first derivatives only, and the meta-learners use their own.
 */
export function meanLoss(
  loss: LossName,
  output: tf.Tensor2D,
  target: tf.Tensor1D,
  classes: number,
): tf.Scalar {
  const [n, width] = output.shape;
  if (target.shape[0] !== n) throw new Error(`${loss}: ${n} outputs but ${target.shape[0]} targets`);
  if (loss === "cross-entropy" ? width !== classes : width !== 1)
    throw new Error(
      `${loss}: expected ${loss === "cross-entropy" ? `${classes} logits` : "one output"} per sample, got ${width}`,
    );
  const accel = fast();
  if (accel && output.dtype === "float32")
    return kernelsOf(accel).loss({ output, target }, { loss: LOSSES.indexOf(loss) }) as tf.Scalar;
  const op = tf.customGrad(((o: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const grad = new Float32Array(n * width);
    const value = lossOnHost(loss, floats(o), hostTarget(target), n, width, grad, 1);
    const g = tf.tensor2d(grad, [n, width]);
    save([g]);
    return {
      value: tf.scalar(value),
      gradFunc: (dy: tf.Tensor, [gs]: tf.Tensor[]) => tf.mul(gs as tf.Tensor, dy),
    };
  }) as unknown as CustomOp) as (o: tf.Tensor2D) => tf.Scalar;
  return op(output);
}

/**
 * scale · ∂meanLoss/∂output outside any gradient tape (for a step that backpropagates by hand);
 * `scale` is a scalar tensor. Only where the accel is active (dense-step.ts checks).
 */
export function meanLossBackward(
  loss: LossName,
  output: tf.Tensor2D,
  target: tf.Tensor1D,
  scale: tf.Scalar,
): tf.Tensor2D {
  const accel = fast();
  if (!accel) throw new Error("meanLossBackward: the accel is not active");
  return kernelsOf(accel).grad({ output, target, dy: scale }, { loss: LOSSES.indexOf(loss) }) as tf.Tensor2D;
}

function hostTarget(t: tf.Tensor1D): Float32Array | Int32Array {
  return t.dtype === "int32" ? ints(t) : floats(t);
}

/**
 * The mean loss of outputs [n, width] against targets (class indices or values); with `grad`,
 * also fills it with scale · ∂loss/∂output.
 */
export function lossOnHost(
  loss: LossName,
  out: Float32Array,
  target: Float32Array | Int32Array,
  n: number,
  width: number,
  grad: Float32Array | null,
  scale: number,
): number {
  let total = 0;
  const s = scale / n;
  for (let i = 0; i < n; i++) {
    if (loss === "cross-entropy") {
      // log-sum-exp − logit of the label; gradient softmax − one-hot.
      const row = i * width;
      const label = target[i] as number;
      if (!(label >= 0 && label < width && Number.isInteger(label)))
        throw new Error(`cross-entropy: label ${label} outside [0, ${width})`);
      let max = -Infinity;
      for (let j = 0; j < width; j++) max = Math.max(max, out[row + j] as number);
      let sum = 0;
      for (let j = 0; j < width; j++) sum += Math.exp((out[row + j] as number) - max);
      total += max + Math.log(sum) - (out[row + label] as number);
      if (grad)
        for (let j = 0; j < width; j++)
          grad[row + j] = (Math.exp((out[row + j] as number) - max) / sum - (j === label ? 1 : 0)) * s;
      continue;
    }
    const d = (out[i] as number) - (target[i] as number);
    const a = Math.abs(d);
    if (loss === "mse") {
      total += d * d;
      if (grad) grad[i] = 2 * d * s;
    } else if (loss === "mae") {
      total += a;
      if (grad) grad[i] = Math.sign(d) * s;
    } else {
      // huber (δ = 1): ½d² inside |d| ≤ 1, |d| − ½ outside; the gradient is d clipped to [−1, 1].
      total += a <= 1 ? 0.5 * d * d : a - 0.5;
      if (grad) grad[i] = Math.max(-1, Math.min(1, d)) * s;
    }
  }
  return total / n;
}

type Runner = ReturnType<Accel["hostKernel"]>;
const registered = new WeakMap<Accel, { loss: Runner; grad: Runner }>();

/** meanLoss's host kernels on the accel's heap (the loss is lossOnHost either way). */
function kernelsOf(accel: Accel): { loss: Runner; grad: Runner } {
  let k = registered.get(accel);
  if (k) return k;
  k = {
    loss: accel.hostKernel({
      name: "MtlMeanLoss",
      inputs: ["output", "target"],
      outputShape: () => [],
      compute([o, t], out, attrs, [shape]) {
        const [n, width] = shape as [number, number];
        out[0] = lossOnHost(
          LOSSES[attrs.loss as number] as LossName,
          o as Float32Array,
          t as Int32Array,
          n,
          width,
          null,
          1,
        );
      },
    }),
    grad: accel.hostKernel({
      name: "MtlMeanLossGrad",
      inputs: ["output", "target", "dy"],
      outputShape: ([shape]) => shape as number[],
      compute([o, t, dy], out, attrs, [shape]) {
        const [n, width] = shape as [number, number];
        const scale = (dy as Float32Array)[0] as number;
        lossOnHost(
          LOSSES[attrs.loss as number] as LossName,
          o as Float32Array,
          t as Int32Array,
          n,
          width,
          out,
          scale,
        );
      },
    }),
  };
  registered.set(accel, k);
  const grad = k.grad;
  if (!tf.getGradient("MtlMeanLoss"))
    tf.registerGradient({
      kernelName: "MtlMeanLoss",
      inputsToSave: ["output", "target"],
      gradFunc: (dy, saved, attrs) => {
        const [output, target] = saved as [tf.Tensor, tf.Tensor];
        return {
          output: () => grad({ output, target, dy: dy as tf.Tensor }, attrs as Record<string, number>),
          target: () => tf.zerosLike(target),
        };
      },
    });
  return k;
}
