/**
 * Kernels that compute on the host (in JS) straight over the heap's views of their inputs: for a
 * computation whose arithmetic is small next to what a chain of tf ops costs in bookkeeping (a
 * task's mean loss over a batch's outputs). The kernel's own logic stays with its caller; this
 * module only gives it the heap.
 */
import type { KernelConfig, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import type { WasmHeap } from "./heap.ts";

/** A float32-output kernel computed on the host from views of its inputs. */
export interface HostKernel {
  /** The kernel's name (unique in the thread). */
  name: string;
  /** Its inputs' names, in the order `compute` receives their views. */
  inputs: readonly string[];
  /** The output's shape from the inputs' shapes (same order). */
  outputShape(shapes: number[][]): number[];
  /**
   * Fills `out` from the inputs' values; the views are valid during the call only (an
   * allocation may grow the heap and detach them).
   */
  compute(
    inputs: (Float32Array | Int32Array)[],
    out: Float32Array,
    attrs: Record<string, number>,
    shapes: number[][],
  ): void;
}

/** Registers `kernel` on the wasm backend (once) and returns a function that runs it. */
export function registerHostKernel(
  kernel: HostKernel,
  heapOf: (backend: object) => WasmHeap,
): (inputs: Record<string, tf.Tensor>, attrs?: Record<string, number>) => tf.Tensor {
  if (!tf.getKernel(kernel.name, "wasm"))
    tf.registerKernel({
      kernelName: kernel.name,
      backendName: "wasm",
      kernelFunc: ((args: { inputs: Record<string, TensorInfo>; backend: object; attrs: NamedAttrMap }) => {
        const heap = heapOf(args.backend);
        const infos = kernel.inputs.map((n) => args.inputs[n] as TensorInfo);
        const shapes = infos.map((t) => t.shape);
        const out = heap.makeOutput(kernel.outputShape(shapes));
        // Views after the allocation above.
        const views = infos.map((t) => heap.view(t));
        kernel.compute(views, heap.view(out) as Float32Array, args.attrs as Record<string, number>, shapes);
        return out;
      }) as unknown as KernelConfig["kernelFunc"],
    });
  return (inputs, attrs = {}) =>
    tf.engine().runKernel(kernel.name, inputs as never, attrs as never) as tf.Tensor;
}
