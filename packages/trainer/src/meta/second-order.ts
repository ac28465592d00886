/**
 * What second-order MAML needs from TensorFlow.js, and what holds (checked by finite differences
 * in second-order.test.ts).
 *
 * Nested `tf.grad` does give true second derivatives: while an outer tape is recording, the ops of
 * an inner backward pass are recorded too, and the outer pass differentiates through them. Two
 * things break it, and this module works around both:
 *
 * 1. Kernels whose gradient is missing. Relu's gradient is `dy·step(x)`, and the outer pass then
 *    needs Step's gradient (zero almost everywhere); Max (used by our log-softmax) also has none
 *    in the CommonJS build. `registerSecondOrderGradients` adds them where none is registered.
 * 2. Kernels that save their *output* for the backward pass (Exp, Tanh, Softmax, and tfjs's
 *    log-softmax). The engine records the clone of a saved output on the tape *before* the node
 *    that produced it, so in the outer pass the gradient that reaches the output through that
 *    clone arrives after its producer was already processed and is silently dropped: tanh nets got
 *    second-order gradients off by ~30% with no error. Kernels that save their *inputs*
 *    (Relu, Square, Multiply, MatMul) are exact. Hence `exp`, `tanh` and `logSoftmax` below:
 *    custom gradients that save the input and recompute the output in the backward pass.
 */

import type { Tensor } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";

let registered = false;

/** Piecewise-constant kernels: their gradient is zero wherever it exists. */
const ZERO_GRADIENT = [
  "Step",
  "Sign",
  "Equal",
  "NotEqual",
  "Greater",
  "GreaterEqual",
  "Less",
  "LessEqual",
] as const;

/**
 * Adds the gradients that differentiating a backward pass needs, where none is registered:
 * zero for piecewise-constant kernels (Relu's backward is dy·step(x)), and Max's (to the
 * arg-max) for our log-softmax. Idempotent.
 */
export function registerSecondOrderGradients(): void {
  if (registered) return;
  registered = true;
  for (const kernelName of ZERO_GRADIENT) {
    if (tf.getGradient(kernelName)) continue;
    const inputs = kernelName === "Step" || kernelName === "Sign" ? ["x"] : ["a", "b"];
    tf.registerGradient({
      kernelName,
      inputsToSave: inputs,
      gradFunc: (_dy, saved) =>
        Object.fromEntries(inputs.map((name, i) => [name, () => tf.zerosLike(saved[i] as Tensor)])),
    });
  }
  if (!tf.getGradient("Max"))
    tf.registerGradient({
      kernelName: "Max",
      inputsToSave: ["x"],
      gradFunc: (dy, [x], attrs) => {
        const input = x as Tensor;
        const axes = tf.util.parseAxisParam(attrs.reductionIndices as number | number[], input.shape);
        const kept = input.shape.map((d, i) => (axes.includes(i) ? 1 : d));
        // Ties share the gradient, as tf's own MaxGrad does not; only a measure-zero difference.
        const mask = tf.cast(tf.equal(input, tf.reshape(tf.max(input, axes), kept)), "float32");
        return { x: () => tf.mul(tf.reshape(dy as Tensor, kept), mask) };
      },
    });
}

/** e^x whose gradient recomputes e^x from the saved input (exact under nested gradients). */
export const exp = tf.customGrad(((x: Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return { value: tf.exp(x), gradFunc: (dy: Tensor, [input]: Tensor[]) => tf.mul(dy, exp(input as Tensor)) };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: Tensor) => Tensor;

/** tanh(x) whose gradient recomputes tanh from the saved input (exact under nested gradients). */
export const tanh = tf.customGrad(((x: Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: tf.tanh(x),
    gradFunc: (dy: Tensor, [input]: Tensor[]) => tf.mul(dy, tf.sub(1, tf.square(tanh(input as Tensor)))),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: Tensor) => Tensor;

/** log softmax over the last axis, z − max z − log Σ exp(z − max z), from differentiable parts. */
export function logSoftmax(z: Tensor): Tensor {
  const axis = z.rank - 1;
  const shifted = tf.sub(z, tf.max(z, axis, true));
  return tf.sub(shifted, tf.log(tf.sum(exp(shifted), axis, true)));
}
