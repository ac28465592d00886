/**
 * The SIMD kernels, assembled into one module and compiled once per WebAssembly memory (the
 * wasm backend's heap, which they import and work on in place):
 * - `gemm`/`gemmNarrow`: C = A·B or Aᵀ·B for float32 matrices with no packing of A and at most
 *   a contiguous copy of each 8-column slab of B (gemm.ts);
 * - `transpose`: 4×4 SIMD blocks (transpose.ts);
 * - dense-layer pieces: bias (+ relu), relu's gradient, column sums (layers.ts);
 * - the update rules of Adam, SGD, momentum and RMSprop, one pass per variable (optimizers.ts).
 */
import { assemble } from "../assembler.ts";
import { gemm, gemmNarrow } from "./gemm.ts";
import { biasKernel, columnSums, reluGrad } from "./layers.ts";
import { adam, momentum, rmsprop, sgd } from "./optimizers.ts";
import { transpose } from "./transpose.ts";

const FUNCTIONS = {
  biasAdd: () => biasKernel(false),
  biasRelu: () => biasKernel(true),
  reluGrad: () => reluGrad(),
  columnSums: () => columnSums(),
  gemm: () => gemm(),
  gemmNarrow: () => gemmNarrow(),
  transpose: () => transpose(),
  adam: () => adam(false),
  adamDecay: () => adam(true),
  sgd: () => sgd(false),
  sgdDecay: () => sgd(true),
  momentum: () => momentum(false),
  momentumDecay: () => momentum(true),
  rmsprop: () => rmsprop(false),
  rmspropDecay: () => rmsprop(true),
};

type Kernel = (...args: number[]) => void;
/** The compiled kernels, called with byte addresses on the heap and sizes (see each kernel). */
export type SimdKernels = Record<keyof typeof FUNCTIONS, Kernel>;

/** The WebAssembly API (a global of Node; the DOM typings that declare it are not loaded here). */
interface WasmApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
export const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
export type WasmMemory = InstanceType<WasmApi["Memory"]>;

const instances = new WeakMap<WasmMemory, SimdKernels | { error: string }>();

/** The kernels bound to `memory` (compiled once per memory), or why they cannot be (no SIMD). */
export function compileKernels(memory: WasmMemory): SimdKernels | { error: string } {
  let kernels = instances.get(memory);
  if (kernels) return kernels;
  try {
    const fns = Object.fromEntries(Object.entries(FUNCTIONS).map(([name, make]) => [name, make()]));
    const module = new WA.Module(assemble(fns));
    kernels = new WA.Instance(module, { env: { memory } }).exports as SimdKernels;
  } catch (err) {
    kernels = { error: `the SIMD kernels do not compile here (${(err as Error).message})` };
  }
  instances.set(memory, kernels);
  return kernels;
}
