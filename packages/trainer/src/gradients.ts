/**
 * Gradients of the kernels our models use. The CommonJS build of @tensorflow/tfjs-core that Node
 * loads registers no gradients (the union package @tensorflow/tfjs bundles them), and its ESM
 * sources use extensionless imports that Node cannot resolve. So we register our own, only where
 * none is registered yet. Convolution is im2col + matMul and pooling an op with its own
 * gradient (see models/conv-ops.ts): the wasm backend has no Conv2DBackpropFilter kernel and its
 * MaxPoolGrad loses gradients with several channels, so neither kernel is differentiated here.
 * Every rule is checked against finite differences in gradients.test.ts.
 */

import type { GradConfig, NamedAttrMap, Tensor } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";

type Grads = Record<string, () => Tensor>;

/** The sums of g's columns: [rows, cols] → [cols] (a bias gradient). */
export function columnSums(g: tf.Tensor2D): tf.Tensor1D {
  const [rows, cols] = g.shape;
  if (rows >= 128 && cols >= 128) {
    // A bias gradient of a wide layer: summing a column is a strided reduction that the wasm
    // backend runs slower than the same sum as a plain product with a row of ones. Not for
    // narrow or short ones: the product packs g first, which costs more there (a conv bias
    // gradient [10816, 32]: 1.5 ms as a product, 0.7 ms as a sum).
    return tf.reshape(tf.matMul(tf.ones([1, rows]), g), [cols]);
  }
  return tf.sum(g, 0);
}

/** Sums a broadcast gradient back to the input's shape. */
function unbroadcast(g: Tensor, shape: number[]): Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, g.shape);
  if (g.rank === 2 && axes.length === 1 && axes[0] === 0 && shape.length <= 2)
    return tf.reshape(columnSums(g as tf.Tensor2D), shape);
  const summed = axes.length > 0 ? tf.sum(g, axes) : g;
  return tf.reshape(summed, shape);
}

function binary(
  kernelName: string,
  da: (dy: Tensor, a: Tensor, b: Tensor) => Tensor,
  db: (dy: Tensor, a: Tensor, b: Tensor) => Tensor,
): GradConfig {
  return {
    kernelName,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [Tensor, Tensor];
      return {
        a: () => unbroadcast(da(dy as Tensor, a, b), a.shape),
        b: () => unbroadcast(db(dy as Tensor, a, b), b.shape),
      };
    },
  };
}

function unary(kernelName: string, rule: (dy: Tensor, x: Tensor) => Tensor): GradConfig {
  return {
    kernelName,
    inputsToSave: ["x"],
    gradFunc: (dy, [x]) => ({ x: () => rule(dy as Tensor, x as Tensor) }),
  };
}

function fromOutput(kernelName: string, input: string, rule: (dy: Tensor, y: Tensor) => Tensor): GradConfig {
  return {
    kernelName,
    outputsToSave: [true],
    gradFunc: (dy, [y]) => ({ [input]: () => rule(dy as Tensor, y as Tensor) }),
  };
}

/** Shape of x with the reduced axes kept as 1, so dy broadcasts back over them. */
function keptShape(shape: number[], axis: number | number[]): number[] {
  const axes = tf.util.parseAxisParam(axis, shape);
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

const float = (t: Tensor) => tf.cast(t, "float32");

const configs: GradConfig[] = [
  binary(
    "Add",
    (dy) => dy,
    (dy) => dy,
  ),
  binary(
    "Sub",
    (dy) => dy,
    (dy) => tf.neg(dy),
  ),
  binary(
    "Multiply",
    (dy, _a, b) => tf.mul(dy, float(b)),
    (dy, a) => tf.mul(dy, float(a)),
  ),
  binary(
    "RealDiv",
    (dy, _a, b) => tf.div(dy, b),
    (dy, a, b) => tf.neg(tf.div(tf.mul(dy, a), tf.square(b))),
  ),
  binary(
    "Minimum",
    (dy, a, b) => tf.mul(dy, float(tf.lessEqual(a, b))),
    (dy, a, b) => tf.mul(dy, float(tf.greater(a, b))),
  ),
  binary(
    "Maximum",
    (dy, a, b) => tf.mul(dy, float(tf.greaterEqual(a, b))),
    (dy, a, b) => tf.mul(dy, float(tf.less(a, b))),
  ),
  unary("Neg", (dy) => tf.neg(dy)),
  unary("Square", (dy, x) => tf.mul(dy, tf.mul(2, x))),
  unary("Abs", (dy, x) => tf.mul(dy, tf.sign(x))),
  unary("Log", (dy, x) => tf.div(dy, x)),
  unary("Relu", (dy, x) => tf.mul(dy, tf.step(x))),
  unary("Cast", (dy) => tf.clone(dy)),
  unary("Identity", (dy) => tf.clone(dy)),
  fromOutput("Exp", "x", (dy, y) => tf.mul(dy, y)),
  fromOutput("Tanh", "x", (dy, y) => tf.mul(dy, tf.sub(1, tf.square(y)))),
  fromOutput("Softmax", "logits", (dy, y) => tf.mul(y, tf.sub(dy, tf.sum(tf.mul(dy, y), -1, true)))),
  {
    kernelName: "Reshape",
    inputsToSave: ["x"],
    gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy as Tensor, (x as Tensor).shape) }),
  },
  {
    kernelName: "ExpandDims",
    inputsToSave: ["input"],
    gradFunc: (dy, [input]) => ({ input: () => tf.reshape(dy as Tensor, (input as Tensor).shape) }),
  },
  {
    kernelName: "Sum",
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => {
      const shape = (x as Tensor).shape;
      return {
        x: () => tf.mul(tf.reshape(dy as Tensor, keptShape(shape, attrs.axis as number[])), tf.ones(shape)),
      };
    },
  },
  {
    kernelName: "Mean",
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => {
      const shape = (x as Tensor).shape;
      const kept = keptShape(shape, attrs.axis as number[]);
      const count = tf.util.sizeFromShape(shape) / tf.util.sizeFromShape(kept);
      return { x: () => tf.mul(tf.reshape(tf.div(dy as Tensor, count), kept), tf.ones(shape)) };
    },
  },
  {
    kernelName: "BatchMatMul",
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b], attrs: NamedAttrMap) => {
      const g = dy as Tensor;
      const A = a as Tensor;
      const B = b as Tensor;
      const tA = attrs.transposeA === true;
      const tB = attrs.transposeB === true;
      const mm = (x: Tensor, y: Tensor, tx: boolean, ty: boolean) => tf.matMul(x, y, tx, ty);
      if (!tA && !tB) return { a: () => mm(g, B, false, true), b: () => mm(A, g, true, false) };
      if (!tA && tB) return { a: () => mm(g, B, false, false), b: () => mm(g, A, true, false) };
      if (tA && !tB) return { a: () => mm(B, g, false, true), b: () => mm(A, g, false, false) };
      return { a: () => mm(B, g, true, true), b: () => mm(g, A, true, true) };
    },
  },
  {
    kernelName: "Transpose",
    gradFunc: (dy, _saved, attrs) => {
      const perm = attrs.perm as number[];
      const inverse = perm.map((_, i) => perm.indexOf(i));
      return { x: () => tf.transpose(dy as Tensor, inverse) };
    },
  },
  {
    kernelName: "AddN",
    saveAllInputs: true,
    gradFunc: (dy, saved) =>
      Object.fromEntries(saved.map((_, i) => [i, () => tf.clone(dy as Tensor)])) as Grads,
  },
  {
    kernelName: "Pack",
    saveAllInputs: true,
    gradFunc: (dy, _saved, attrs) =>
      Object.fromEntries(tf.unstack(dy as Tensor, attrs.axis as number).map((t, i) => [i, () => t])) as Grads,
  },
  {
    kernelName: "Unpack",
    gradFunc: (dy, _saved, attrs) => ({ value: () => tf.stack(dy as Tensor[], attrs.axis as number) }),
  },
  {
    kernelName: "Concat",
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const shapes = saved.map((t) => t.shape);
      const axis = tf.util.parseAxisParam(attrs.axis as number, shapes[0] as number[])[0] as number;
      const parts = tf.split(
        dy as Tensor,
        shapes.map((s) => s[axis] as number),
        axis,
      );
      return Object.fromEntries(parts.map((t, i) => [i, () => t])) as Grads;
    },
  },
  {
    kernelName: "Slice",
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => {
      const X = x as Tensor;
      const [begin, size] = tf.slice_util.parseSliceParams(
        X,
        attrs.begin as number[],
        attrs.size as number[],
      );
      const pads = X.shape.map((d, i) => {
        const from = begin?.[i] ?? 0;
        return [from, d - from - (size?.[i] ?? d)] as [number, number];
      });
      return { x: () => tf.pad(dy as Tensor, pads) };
    },
  },
];

let registered = false;

/** Registers the gradients above where the registry has none; idempotent. */
export function registerGradients(): void {
  if (registered) return;
  registered = true;
  for (const c of configs) if (!tf.getGradient(c.kernelName)) tf.registerGradient(c);
}
