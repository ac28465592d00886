/**
 * A functional MLP for meta-learning: parameters are a plain list of tensors, so the same forward
 * pass runs on the meta-parameters θ, on per-task adapted copies θ'_b, and inside nested gradient
 * tapes. Every task of a meta-batch is evaluated at once: parameters carry a leading task axis
 * [B, …] and inputs are [B, n, d], so one batched matMul serves B tasks.
 */

import type { ModelSpec, Rng } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { constant, glorot } from "../models/layers.ts";
import { logSoftmax, tanh } from "./second-order.ts";

export interface NetShape {
  /** Features per sample. */
  input: number;
  hidden: number[];
  output: number;
  activation: ModelSpec["activation"];
}

/** Parameters [W1, b1, …, W_out, b_out]; the last two are the head. */
export type Params = tf.Tensor[];

/** Glorot-uniform weights and zero biases, as the rest of the trainer initialises. */
export function initParams(shape: NetShape, rng: Rng, name: string): tf.Variable[] {
  const sizes = [shape.input, ...shape.hidden, shape.output];
  const vars: tf.Variable[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const a = sizes[i] as number;
    const b = sizes[i + 1] as number;
    vars.push(glorot([a, b], a, b, rng, `${name}_W${i}`), constant([b], 0, `${name}_b${i}`));
  }
  return vars;
}

/** A fresh zero head [W_out, b_out] for `outputs` units on top of the last hidden layer. */
export function zeroHead(shape: NetShape, outputs: number): tf.Tensor[] {
  const last = shape.hidden.length > 0 ? (shape.hidden[shape.hidden.length - 1] as number) : shape.input;
  return [tf.zeros([last, outputs]), tf.zeros([outputs])];
}

/** θ → B copies [B, …]; differentiable, so gradients of the copies sum back into θ. */
export function expand(params: Params, tasks: number): Params {
  return params.map((p) => tf.add(tf.expandDims(p, 0), tf.zeros([tasks, ...p.shape])));
}

function activate(x: tf.Tensor, a: NetShape["activation"]): tf.Tensor {
  switch (a) {
    case "relu":
      return tf.relu(x);
    case "tanh":
      return tanh(x);
    case "gelu": {
      const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(x, tf.square(x)))));
      return tf.mul(tf.mul(0.5, x), tf.add(1, tanh(inner)));
    }
  }
}

/** Batched forward: params [B, …], x [B, n, d] → [B, n, output]. */
export function forward(params: Params, x: tf.Tensor, activation: NetShape["activation"]): tf.Tensor3D {
  let h = x as tf.Tensor3D;
  const layers = params.length / 2;
  for (let i = 0; i < layers; i++) {
    const W = params[2 * i] as tf.Tensor3D;
    const b = params[2 * i + 1] as tf.Tensor;
    const [B, , out] = W.shape;
    const z = tf.add(tf.matMul(h, W), tf.reshape(b, [B, 1, out])) as tf.Tensor3D;
    h = i + 1 < layers ? (activate(z, activation) as tf.Tensor3D) : z;
  }
  return h;
}

/**
 * Per-task mean loss [B]: squared error against float targets [B, n] (regression), or
 * cross-entropy against int32 labels [B, n] (classification, `classes` > 0).
 */
export function taskLosses(out: tf.Tensor3D, y: tf.Tensor2D, classes: number): tf.Tensor1D {
  if (classes > 0) {
    const logp = logSoftmax(out);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(y, classes), logp), 2), 1)) as tf.Tensor1D;
  }
  return tf.mean(tf.square(tf.sub(tf.squeeze(out, [2]), y)), 1) as tf.Tensor1D;
}

/** Σ_b L_b: its gradient with respect to task b's copy is ∇L_b alone. */
export function summedLoss(
  params: Params,
  x: tf.Tensor,
  y: tf.Tensor2D,
  classes: number,
  act: NetShape["activation"],
): tf.Scalar {
  return tf.sum(taskLosses(forward(params, x, act), y, classes)) as tf.Scalar;
}
