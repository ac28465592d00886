/**
 * A dense layer act(x·W + b) as one registered kernel pair on the heap: `MtlDense` (one product,
 * then bias and activation in place) and `MtlDenseGrad` (the activation's derivative, two products
 * and the bias sums, in one call), with MtlDense's gradient registered on the tape.
 *
 * Why: the models here are small, so a training step costs what the engine spends per op rather
 * than the arithmetic. Composed of matMul, add and relu, a layer leaves three nodes on the
 * gradient tape and its backward pass runs about a dozen kernels, each a handful of short-lived
 * objects (see the trainer's models/dense-op.ts, which falls back to that composition where the
 * accel is not active).
 */
import type { GradConfig, KernelConfig, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import type { WasmHeap } from "./heap.ts";
import { simdMatMul } from "./matmul.ts";

/** Activations the layer fuses (gelu has no fused form: apply it outside, on "linear"). */
export type DenseActivation = "relu" | "tanh" | "linear";
const ACTIVATIONS: readonly DenseActivation[] = ["relu", "tanh", "linear"];

interface Args {
  inputs: Record<string, TensorInfo>;
  backend: object;
  attrs: NamedAttrMap;
}

function product(heap: WasmHeap, a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean): TensorInfo {
  const out = simdMatMul(a, b, tA, tB, heap);
  if (!out) throw new Error("MtlDense: the product's shapes do not fit the SIMD kernel");
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

/** Registers the kernel pair and MtlDense's gradient (once per thread). */
export function registerDenseKernels(heapOf: (backend: object) => WasmHeap): void {
  if (tf.getKernel("MtlDense", "wasm")) return;
  const dense: KernelConfig = {
    kernelName: "MtlDense",
    backendName: "wasm",
    kernelFunc: ((args: Args) => {
      const heap = heapOf(args.backend);
      const { x, W, b } = args.inputs as { x: TensorInfo; W: TensorInfo; b: TensorInfo };
      const activation = ACTIVATIONS[args.attrs.activation as number] as DenseActivation;
      const out = product(heap, x, W, false, false);
      const [rows, width] = out.shape as [number, number];
      if (activation === "tanh")
        // Views only now: allocating may grow (and detach) the heap.
        addBiasTanh(heap.view(out) as Float32Array, heap.view(b) as Float32Array);
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
  const denseGrad: KernelConfig = {
    kernelName: "MtlDenseGrad",
    backendName: "wasm",
    kernelFunc: ((args: Args) => {
      const heap = heapOf(args.backend);
      const { dy, x, W, y } = args.inputs as Record<string, TensorInfo>;
      const activation = ACTIVATIONS[args.attrs.activation as number] as DenseActivation;
      const [rows, width] = (dy as TensorInfo).shape as [number, number];
      // dL/dz = dL/dy · act'(z), by the output: relu' = [y > 0], tanh' = 1 − y²; linear: dL/dy.
      const g = activation === "linear" ? (dy as TensorInfo) : heap.makeOutput([rows, width]);
      const db = heap.makeOutput([width]);
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
          heap.view(dy as TensorInfo) as Float32Array,
          heap.view(y as TensorInfo) as Float32Array,
          heap.view(g) as Float32Array,
        );
      heap.kernels.columnSums(heap.offset(g.dataId), heap.offset(db.dataId), rows, width);
      // The input's gradient only when asked for (attrs.withDx ≠ 0): not for a network's input.
      const dx = args.attrs.withDx === 0 ? null : product(heap, g, W as TensorInfo, false, true);
      const dW = product(heap, x as TensorInfo, g, true, false);
      if (g !== dy) heap.dispose(g.dataId);
      return dx ? [dx, dW, db] : [dW, db];
    }) as unknown as KernelConfig["kernelFunc"],
  };
  const gradient: GradConfig = {
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
  tf.registerKernel(dense);
  tf.registerKernel(denseGrad);
  tf.registerGradient(gradient);
}

/** act(x·W + b) for float32 x [n, in], W [in, out], b [out], as one op on the gradient tape. */
export function denseForward(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  b: tf.Tensor1D,
  activation: DenseActivation,
): tf.Tensor2D {
  return tf
    .engine()
    .runKernel(
      "MtlDense",
      { x, W, b } as never,
      { activation: ACTIVATIONS.indexOf(activation) } as never,
    ) as tf.Tensor2D;
}

/** A dense layer's backward pass outside any tape: dL/dW, dL/db and, with `withDx`, dL/dx. */
export function denseBackward(
  dy: tf.Tensor,
  x: tf.Tensor,
  W: tf.Tensor,
  y: tf.Tensor,
  activation: DenseActivation,
  withDx: boolean,
): { dx?: tf.Tensor; dW: tf.Tensor; db: tf.Tensor } {
  const out = tf
    .engine()
    .runKernel(
      "MtlDenseGrad",
      { dy, x, W, y } as never,
      { activation: ACTIVATIONS.indexOf(activation), withDx: withDx ? 1 : 0 } as never,
    ) as tf.Tensor[];
  return withDx
    ? { dx: out[0] as tf.Tensor, dW: out[1] as tf.Tensor, db: out[2] as tf.Tensor }
    : { dW: out[0] as tf.Tensor, db: out[1] as tf.Tensor };
}
