/** Building blocks with seeded initialisation (Glorot uniform, zero biases), as Keras does by default. */

import type { ModelSpec, Rng } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { im2col3x3, maxPool2x2 } from "./conv-ops.ts";
import { denseOp, type FusedActivation } from "./dense-op.ts";

export { im2col3x3, maxPool2x2 };

export type Activation = ModelSpec["activation"];

/** A dense layer's parameters and activation: y = act(x·W + b). */
export interface DenseLayer {
  W: tf.Variable;
  b: tf.Variable;
  activation: FusedActivation;
}

/** The dense layers of `blocks`, or undefined if any block is something else (a conv, gelu). */
export function denseLayersOf(blocks: Block[]): DenseLayer[] | undefined {
  return blocks.every((b) => b.dense) ? blocks.map((b) => b.dense as DenseLayer) : undefined;
}

/** A trainable step from one representation to the next. */
export interface Block {
  vars: tf.Variable[];
  /** Set on plain dense layers (not gelu): what a step that backpropagates by hand needs. */
  dense?: DenseLayer;
  apply(x: tf.Tensor): tf.Tensor;
  /** Features per sample of the output (flattened). */
  outSize: number;
}

/**
 * A trainable variable named `name`, or `name_2`, `name_3`… while that is taken: two models
 * alive on one thread must not clash. Names come back once their model is disposed, so every
 * trial of an architecture uses the same ones. That matters for speed: gradients and optimizer
 * state are objects keyed by variable name, and names new to each trial gave those objects new
 * hidden classes, which threw away V8's compiled step code at the start of every trial.
 */
export function variable(values: Float32Array, shape: number[], name: string): tf.Variable {
  const taken = tf.engine().registeredVariables;
  let unique = name;
  for (let k = 2; unique in taken; k++) unique = `${name}_${k}`;
  const init = tf.tensor(values, shape);
  const v = tf.variable(init, true, unique);
  init.dispose(); // the variable holds its own reference to the data
  requested.set(v, name);
  return v;
}

const requested = new WeakMap<tf.Variable, string>();

/**
 * The name a parameter was asked for (`trunk_h0_W`, never the `_2` that a clash on the thread
 * added): what checkpoints and exported models call it, the same on every thread. A variable
 * made without `variable()` (a registered architecture's own) goes by its registered name.
 */
export function paramName(v: tf.Variable): string {
  return requested.get(v) ?? v.name;
}

export function glorot(shape: number[], fanIn: number, fanOut: number, rng: Rng, name: string): tf.Variable {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const size = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(size);
  for (let i = 0; i < size; i++) v[i] = (2 * rng.float() - 1) * limit;
  return variable(v, shape, name);
}

export function constant(shape: number[], value: number, name: string): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  return variable(new Float32Array(size).fill(value), shape, name);
}

export function activate(x: tf.Tensor, a: Activation): tf.Tensor {
  switch (a) {
    case "relu":
      return tf.relu(x);
    case "tanh":
      return tf.tanh(x);
    case "gelu": {
      // tanh approximation of GELU (Hendrycks & Gimpel 2016).
      const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(x, tf.square(x)))));
      return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
    }
  }
}

export function dense(
  inSize: number,
  outSize: number,
  rng: Rng,
  activation: Activation | null,
  name: string,
): Block {
  const W = glorot([inSize, outSize], inSize, outSize, rng, `${name}_W`);
  const b = constant([outSize], 0, `${name}_b`);
  return {
    vars: [W, b],
    outSize,
    ...(activation !== "gelu" ? { dense: { W, b, activation: activation ?? "linear" } } : {}),
    apply: (x) =>
      activation === "gelu"
        ? activate(denseOp(x as tf.Tensor2D, W as tf.Tensor2D, b as tf.Tensor1D, "linear"), "gelu")
        : denseOp(x as tf.Tensor2D, W as tf.Tensor2D, b as tf.Tensor1D, activation ?? "linear"),
  };
}

/** Activations that never decrease: they commute with max pooling (and with adding a bias). */
const MONOTONE: ReadonlySet<Activation> = new Set(["relu", "tanh"]);

/**
 * Conv2D 3×3 (valid, stride 1) with bias → activation → MaxPool 2×2 on [n, h, w, c] images, as
 * [n, ⌊(h−2)/2⌋·⌊(w−2)/2⌋·filters] rows. The convolution is im2col + one matMul with the
 * [9c, filters] kernel (the wasm backend lacks the filter-gradient kernel of a native conv2d,
 * and matMul is its fastest op). For relu and tanh, which commute with the maximum, bias and
 * activation are applied after pooling, on a quarter of the values; gelu is not monotone and
 * goes first.
 */
export function conv3x3Pool(
  img: tf.Tensor4D,
  K: tf.Tensor,
  b: tf.Tensor,
  activation: Activation,
): tf.Tensor2D {
  const [, h, w] = img.shape;
  const filters = K.shape[1] as number;
  const ch = h - 2;
  const cw = w - 2;
  const y = tf.matMul(im2col3x3(img), K as tf.Tensor2D); // [n·ch·cw, filters]
  let pooled: tf.Tensor;
  if (MONOTONE.has(activation)) {
    const p = tf.reshape(maxPool2x2(tf.reshape(y, [-1, ch, cw, filters]) as tf.Tensor4D), [-1, filters]);
    pooled = activate(tf.add(p, b), activation);
  } else {
    const a = activate(tf.add(y, b), activation);
    pooled = maxPool2x2(tf.reshape(a, [-1, ch, cw, filters]) as tf.Tensor4D);
  }
  return tf.reshape(pooled, [-1, Math.floor(ch / 2) * Math.floor(cw / 2) * filters]) as tf.Tensor2D;
}

/**
 * Conv2D 32 3×3 (valid) → activation → MaxPool 2×2 → Flatten; input rows are flattened images.
 * See conv3x3Pool; im2col and pooling are single ops with exact gradients (conv-ops.ts).
 */
export function convBlock(
  inputShape: number[],
  rng: Rng,
  activation: Activation,
  name: string,
  filters = 32,
): Block {
  const [h, w, c] = inputShape as [number, number, number];
  const K = glorot([9 * c, filters], 9 * c, 9 * filters, rng, `${name}_K`);
  const b = constant([filters], 0, `${name}_b`);
  const oh = Math.floor((h - 2) / 2);
  const ow = Math.floor((w - 2) / 2);
  return {
    vars: [K, b],
    outSize: oh * ow * filters,
    apply: (x) => conv3x3Pool(tf.reshape(x, [-1, h, w, c]) as tf.Tensor4D, K, b, activation),
  };
}

export function inputSize(inputShape: number[]): number {
  return inputShape.reduce((a, b) => a * b, 1);
}

/** The trunk of ModelSpec: an optional conv block, then one dense block per `hidden` width. */
export function trunkBlocks(spec: ModelSpec, inputShape: number[], rng: Rng, name: string): Block[] {
  const blocks: Block[] = [];
  let size = inputSize(inputShape);
  if (spec.trunk === "cnn") {
    if (inputShape.length !== 3)
      throw new Error(
        `trunk "cnn" needs image input [height, width, channels], got [${inputShape.join(", ")}]`,
      );
    const conv = convBlock(inputShape, rng, spec.activation, `${name}_conv`);
    blocks.push(conv);
    size = conv.outSize;
  }
  spec.hidden.forEach((width, i) => {
    blocks.push(dense(size, width, rng, spec.activation, `${name}_h${i}`));
    size = width;
  });
  return blocks;
}

/** A task head: dense blocks for `head` widths, then a linear output layer. */
export function headBlocks(
  spec: ModelSpec,
  inSize: number,
  outSize: number,
  rng: Rng,
  name: string,
): Block[] {
  const blocks: Block[] = [];
  let size = inSize;
  spec.head.forEach((width, i) => {
    blocks.push(dense(size, width, rng, spec.activation, `${name}_h${i}`));
    size = width;
  });
  blocks.push(dense(size, outSize, rng, null, `${name}_out`));
  return blocks;
}

export function applyAll(blocks: Block[], x: tf.Tensor): tf.Tensor {
  return blocks.reduce((h, b) => b.apply(h), x);
}

export function varsOf(blocks: Block[]): tf.Variable[] {
  return blocks.flatMap((b) => b.vars);
}

export function outSizeOf(blocks: Block[], inputShape: number[]): number {
  return blocks.length > 0 ? (blocks[blocks.length - 1] as Block).outSize : inputSize(inputShape);
}
