/**
 * `install()`: binds the kernels to the wasm backend, replaces its matrix products and registers
 * the fused kernels, and hands back the `Accel` that the trainer calls. Null where it cannot be
 * used, saying why once: `MTL_ACCEL=off` (forces tfjs's own kernels, to debug numerics), no wasm
 * backend, or a tfjs-backend-wasm whose private fields are not the ones bound here.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type DenseActivation, denseBackward, denseForward, registerDenseKernels } from "./dense.ts";
import { bindHeap, type WasmHeap } from "./heap.ts";
import { type HostKernel, registerHostKernel } from "./host-kernel.ts";
import { installMatMul, setBatchedProducts, uninstallMatMul } from "./matmul.ts";
import { type OptimizerRule, optimizerUpdate } from "./optimizer.ts";

/** The wasm kernels, once installed. */
export interface Accel {
  /**
   * Whether the fast kernels are in use: the wasm backend is the current one and the accel is
   * enabled. The one question callers ask; when false, use plain tfjs.
   */
  readonly active: boolean;
  /** act(x·W + b) as one op with its own gradient (float32 x [n, in], W [in, out], b [out]). */
  dense(x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, activation: DenseActivation): tf.Tensor2D;
  /** A dense layer's backward pass outside any tape, from dL/dy and its input x and output y. */
  denseBackward(
    dy: tf.Tensor,
    x: tf.Tensor,
    W: tf.Tensor,
    y: tf.Tensor,
    activation: DenseActivation,
    withDx: boolean,
  ): { dx?: tf.Tensor; dW: tf.Tensor; db: tf.Tensor };
  /** Registers a kernel computed on the host over heap views (see HostKernel); returns its runner. */
  hostKernel(
    kernel: HostKernel,
  ): (inputs: Record<string, tf.Tensor>, attrs?: Record<string, number>) => tf.Tensor;
  /**
   * One pass of an optimiser's update rule over a variable (see optimizerUpdate for the scalars'
   * order); returns the variable itself (updated in place) or a new value to assign.
   */
  optimizerUpdate(
    rule: OptimizerRule,
    variable: tf.Variable,
    grad: tf.Tensor,
    slots: tf.Tensor[],
    weightDecay: number,
    scalars: number[],
  ): tf.Tensor;
  /** The values of a float32/int32 tensor as a heap view (valid until the next allocation), or null off the heap. */
  view(t: tf.TensorInfo): Float32Array | Int32Array | null;
  /** tfjs's own kernels again, `active` false (benchmarks and numerics comparisons). */
  disable(): void;
  /** The fast kernels again after disable(). */
  enable(): void;
  /**
   * Batched products ([P, m, k]·[P, k, n], P > 1) by the SIMD kernels (true, the default) or by
   * tfjs's (false, as before they took them): the before/after rows of `pnpm bench train`.
   */
  batchedProducts(on: boolean): void;
}

const heaps = new WeakMap<object, WasmHeap>();

function heapOf(backend: object): WasmHeap {
  let heap = heaps.get(backend);
  if (!heap) {
    const bound = bindHeap(backend);
    if ("problem" in bound) throw new Error(`@mtl/accel: ${bound.problem}`);
    heap = bound;
    heaps.set(backend, heap);
  }
  return heap;
}

let installed: Accel | undefined;
let reason: string | undefined;
const said = new Set<string>();

/** Whether `MTL_ACCEL` asks for the reference path (off, 0, false, no). */
export function accelDisabledByEnv(env: Record<string, string | undefined> = process.env): boolean {
  return /^(off|0|false|no)$/i.test((env.MTL_ACCEL ?? "").trim());
}

/**
 * Installs the wasm kernels (idempotent) and returns the Accel, or null: when `MTL_ACCEL=off`,
 * when the wasm backend is not initialised, or when its private fields fail the self-test (then
 * it warns once with the reason; `whyNoAccel()` gives it too). `backend` and `env` are for tests.
 */
export function install(
  options: { backend?: object; env?: Record<string, string | undefined> } = {},
): Accel | null {
  if (accelDisabledByEnv(options.env)) {
    reason = "MTL_ACCEL=off";
    return null;
  }
  if (installed && !options.backend) return installed;
  const backend = options.backend ?? (tf.findBackend("wasm") as object | null);
  if (!backend) {
    reason = "the wasm backend is not initialised";
    return null;
  }
  const bound = bindHeap(backend);
  if ("problem" in bound) {
    reason = bound.problem;
    if (!said.has(reason)) {
      said.add(reason);
      console.warn(`@mtl/accel: ${reason}; training uses tfjs's own kernels`);
    }
    return null;
  }
  heaps.set(backend, bound);
  if (options.backend) return makeAccel(bound); // a test's own backend: not the thread's accel
  reason = undefined;
  installed = makeAccel(bound);
  return installed;
}

/** Why the last install() returned null (undefined once it succeeded). */
export function whyNoAccel(): string | undefined {
  return reason;
}

function makeAccel(heap: WasmHeap): Accel {
  let enabled = true;
  installMatMul(heapOf);
  registerDenseKernels(heapOf);
  return {
    get active() {
      return enabled && tf.getBackend() === "wasm";
    },
    dense: denseForward,
    denseBackward,
    hostKernel: (kernel) => registerHostKernel(kernel, heapOf),
    optimizerUpdate: (rule, variable, grad, slots, weightDecay, scalars) =>
      // In place only with our products installed: XNNPACK caches packed weights by tensor id.
      optimizerUpdate(heap, rule, variable, grad, slots, weightDecay, scalars, enabled),
    view: (t) => (heap.has(t.dataId) ? heap.view(t) : null),
    disable() {
      if (!enabled) return;
      enabled = false;
      uninstallMatMul();
    },
    enable() {
      if (enabled) return;
      enabled = true;
      installMatMul(heapOf);
    },
    batchedProducts: setBatchedProducts,
  };
}
