/** Building blocks with seeded initialisation (Glorot uniform, zero biases), as Keras does by default. */

import type { ModelSpec } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../rng.ts";

export type Activation = ModelSpec["activation"];

/** A trainable step from one representation to the next. */
export interface Block {
  vars: tf.Variable[];
  apply(x: tf.Tensor): tf.Tensor;
  /** Features per sample of the output (flattened). */
  outSize: number;
}

let counter = 0;
/** A trainable variable with a unique name: two models alive on one thread must not clash. */
export function variable(values: Float32Array, shape: number[], name: string): tf.Variable {
  const init = tf.tensor(values, shape);
  const v = tf.variable(init, true, `${name}_${counter++}`);
  init.dispose(); // the variable holds its own reference to the data
  return v;
}

export function glorot(shape: number[], fanIn: number, fanOut: number, rng: Rng, name: string): tf.Variable {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const size = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(size);
  for (let i = 0; i < size; i++) v[i] = (2 * rng.next() - 1) * limit;
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
    apply: (x) => {
      const y = tf.add(tf.matMul(x as tf.Tensor2D, W as tf.Tensor2D), b);
      return activation ? activate(y, activation) : y;
    },
  };
}

/**
 * Conv2D 32 3×3 (valid) → activation → MaxPool 2×2 → Flatten; input rows are flattened images.
 * The convolution is im2col + matMul: the nine shifted views are concatenated on the channel
 * axis, then one product with the [9·c, filters] kernel. The wasm backend lacks the kernel for
 * the filter gradient of a native conv2d, and matMul is its fastest op.
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
  const ch = h - 2;
  const cw = w - 2;
  const oh = Math.floor(ch / 2);
  const ow = Math.floor(cw / 2);
  return {
    vars: [K, b],
    outSize: oh * ow * filters,
    apply: (x) => {
      const img = tf.reshape(x, [-1, h, w, c]) as tf.Tensor4D;
      const views: tf.Tensor4D[] = [];
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) views.push(tf.slice(img, [0, i, j, 0], [-1, ch, cw, c]));
      const cols = tf.reshape(tf.concat(views, 3), [-1, 9 * c]) as tf.Tensor2D;
      const y = activate(tf.add(tf.matMul(cols, K as tf.Tensor2D), b), activation);
      return tf.reshape(maxPool2x2(tf.reshape(y, [-1, ch, cw, filters]), oh, ow, filters), [
        -1,
        oh * ow * filters,
      ]);
    },
  };
}

/**
 * 2×2 max pooling, stride 2, as the maximum of the four window corners. Written with reshape,
 * slice and maximum (whose gradients we register) because the wasm MaxPoolGrad kernel drops
 * gradients for some windows when there are several channels (checked against the cpu backend).
 */
export function maxPool2x2(x: tf.Tensor, oh: number, ow: number, c: number): tf.Tensor {
  const even = tf.slice(x, [0, 0, 0, 0], [-1, 2 * oh, 2 * ow, c]);
  const grid = tf.reshape(even, [-1, 2, ow, 2, c]); // [N·oh, row in window, ow, column in window, c]
  const corner = (a: number, b: number) => tf.slice(grid, [0, a, 0, b, 0], [-1, 1, ow, 1, c]);
  const m = tf.maximum(tf.maximum(corner(0, 0), corner(0, 1)), tf.maximum(corner(1, 0), corner(1, 1)));
  return tf.reshape(m, [-1, oh, ow, c]);
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
