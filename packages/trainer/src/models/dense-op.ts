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
 * On the wasm backend (with the fast products of fast-matmul.ts installed) the layer is a
 * registered kernel pair working straight on the wasm heap: `MtlDense` (one product, then bias
 * and activation in place) and `MtlDenseGrad` (the activation's derivative, two products and
 * the bias sums, in one call). Elsewhere it is the same computation from tf ops, untaped inside
 * one tf.customGrad. gelu has no fused form: it is applied outside, on the linear op.
 */

import type { GradConfig, KernelConfig, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import { type Backendish, simdMatMul, wasmKernelsActive } from "../fast-matmul.ts";
import { columnSums } from "../gradients.ts";
import { wasmHeap } from "../wasm-simd.ts";

export type FusedActivation = "relu" | "tanh" | "linear";
const ACTIVATIONS: readonly FusedActivation[] = ["relu", "tanh", "linear"];

// --- wasm: one kernel forward, one backward -------------------------------------------------

interface Inputs {
  inputs: Record<string, TensorInfo>;
  backend: Backendish;
  attrs: NamedAttrMap;
}

function product(a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean, backend: Backendish): TensorInfo {
  const out = simdMatMul(a, b, tA, tB, backend);
  if (!out) throw new Error("MtlDense: the wasm matrix kernels are not available");
  return out;
}

/** tanh(y + b) row by row, in place (no SIMD tanh: a JS loop). */
function addBiasTanh(y: Float32Array, bias: Float32Array): void {
  const width = bias.length;
  for (let i = 0; i < y.length; i += width)
    for (let j = 0; j < width; j++) y[i + j] = Math.tanh((y[i + j] as number) + (bias[j] as number));
}

/** g ← dy · (1 − y²), tanh's derivative by its output. */
function tanhGradient(dy: Float32Array, y: Float32Array, g: Float32Array): void {
  for (let k = 0; k < g.length; k++) {
    const v = y[k] as number;
    g[k] = (dy[k] as number) * (1 - v * v);
  }
}

function heapOf(backend: Backendish) {
  const heap = wasmHeap(backend);
  if (!heap) throw new Error("MtlDense: the wasm matrix kernels are not available");
  return heap;
}

const denseKernel: KernelConfig = {
  kernelName: "MtlDense",
  backendName: "wasm",
  kernelFunc: ((args: Inputs) => {
    const { x, W, b } = args.inputs as { x: TensorInfo; W: TensorInfo; b: TensorInfo };
    const activation = ACTIVATIONS[args.attrs.activation as number] as FusedActivation;
    const out = product(x, W, false, false, args.backend);
    const [rows, width] = out.shape as [number, number];
    const heap = heapOf(args.backend);
    if (activation === "tanh")
      // Views only now: allocating may grow (and detach) the heap.
      addBiasTanh(args.backend.typedArrayFromHeap(out), args.backend.typedArrayFromHeap(b));
    else
      (activation === "relu" ? heap.kernels.biasRelu : heap.kernels.biasAdd)(
        heap.offset(out.dataId),
        heap.offset(b.dataId),
        rows,
        width,
      );
    return out;
  }) as unknown as KernelConfig["kernelFunc"],
};

const denseGradKernel: KernelConfig = {
  kernelName: "MtlDenseGrad",
  backendName: "wasm",
  kernelFunc: ((args: Inputs) => {
    const { dy, x, W, y } = args.inputs as Record<string, TensorInfo>;
    const backend = args.backend;
    const activation = ACTIVATIONS[args.attrs.activation as number] as FusedActivation;
    const [rows, width] = (dy as TensorInfo).shape as [number, number];
    const heap = heapOf(backend);
    // dL/dz = dL/dy · act'(z), by the output: relu' = [y > 0], tanh' = 1 − y²; linear: dL/dy.
    const g = activation === "linear" ? (dy as TensorInfo) : backend.makeOutput([rows, width], "float32");
    const db = backend.makeOutput([width], "float32");
    if (activation === "relu")
      heap.kernels.reluGrad(
        heap.offset((dy as TensorInfo).dataId),
        heap.offset((y as TensorInfo).dataId),
        heap.offset(g.dataId),
        rows,
        width,
      );
    else if (activation === "tanh")
      tanhGradient(
        backend.typedArrayFromHeap(dy as TensorInfo),
        backend.typedArrayFromHeap(y as TensorInfo),
        backend.typedArrayFromHeap(g),
      );
    heap.kernels.columnSums(heap.offset(g.dataId), heap.offset(db.dataId), rows, width);
    // The input's gradient only when asked for (attrs.withDx ≠ 0): not for a network's input.
    const dx = args.attrs.withDx === 0 ? null : product(g, W as TensorInfo, false, true, backend);
    const dW = product(x as TensorInfo, g, true, false, backend);
    if (g !== dy) backend.disposeData(g.dataId);
    return dx ? [dx, dW, db] : [dW, db];
  }) as unknown as KernelConfig["kernelFunc"],
};

const denseGrad: GradConfig = {
  kernelName: "MtlDense",
  inputsToSave: ["x", "W"],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, W, y] = saved as tf.Tensor[];
    const [dx, dW, db] = tf
      .engine()
      .runKernel("MtlDenseGrad", { dy: dy as tf.Tensor, x, W, y } as never, attrs) as tf.Tensor[];
    return { x: () => dx as tf.Tensor, W: () => dW as tf.Tensor, b: () => db as tf.Tensor };
  },
};

let registered = false;
function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel(denseKernel);
  tf.registerKernel(denseGradKernel);
  tf.registerGradient(denseGrad);
}

// --- elsewhere: tf ops in one customGrad ----------------------------------------------------

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
 * `withDx`, dL/dx. Only where wasmKernelsActive().
 */
export function denseBackward(
  dy: tf.Tensor,
  x: tf.Tensor,
  W: tf.Tensor,
  y: tf.Tensor,
  activation: FusedActivation,
  withDx: boolean,
): { dx?: tf.Tensor; dW: tf.Tensor; db: tf.Tensor } {
  registerWasmKernels();
  const out = tf.engine().runKernel(
    "MtlDenseGrad",
    { dy, x, W, y } as never,
    {
      activation: ACTIVATIONS.indexOf(activation),
      withDx: withDx ? 1 : 0,
    } as never,
  ) as tf.Tensor[];
  return withDx
    ? { dx: out[0] as tf.Tensor, dW: out[1] as tf.Tensor, db: out[2] as tf.Tensor }
    : { dW: out[0] as tf.Tensor, db: out[1] as tf.Tensor };
}

/** act(x·W + b) for float32 x [n, in], W [in, out], b [out], as one op on the gradient tape. */
export function denseOp(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  b: tf.Tensor1D,
  activation: FusedActivation,
): tf.Tensor2D {
  if (wasmKernelsActive() && x.dtype === "float32") {
    registerWasmKernels();
    return tf.engine().runKernel(
      "MtlDense",
      { x, W, b } as never,
      {
        activation: ACTIVATIONS.indexOf(activation),
      } as never,
    ) as tf.Tensor2D;
  }
  return composedOps[activation](x, W, b);
}
