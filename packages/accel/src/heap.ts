/**
 * The binding to tfjs-backend-wasm's private fields — the one place that knows them. The kernels
 * work on the backend's heap in place, so they need its WebAssembly.Memory (`wasm.asm.memory`),
 * where a tensor's data lives (`dataIdMap.get(dataId).memoryOffset`), and its allocator
 * (`makeOutput`, `disposeData`, `refCount`, `typedArrayFromHeap`). None of this is public API:
 * `bindHeap` checks every piece, then round-trips a tensor and a product through the kernels,
 * and says what is missing instead of binding to a backend it does not understand.
 */
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { compileKernels, type SimdKernels, WA, type WasmMemory } from "./kernels/index.ts";

/** What the kernels use of the wasm backend. */
export interface WasmHeap {
  kernels: SimdKernels;
  memory: WasmMemory & { buffer: ArrayBuffer };
  /** Byte address of a tensor's data on the heap. */
  offset(dataId: object): number;
  /** Whether the tensor's data lives on this heap. */
  has(dataId: object): boolean;
  /** A view of a tensor's values: valid until the next allocation (which may grow the heap). */
  view(t: TensorInfo): Float32Array | Int32Array;
  /** A new float32 tensor on the heap (uninitialised). */
  makeOutput(shape: number[]): TensorInfo;
  dispose(dataId: object): void;
  /** How many tensors share the data. */
  refCount(dataId: object): number;
}

/** The private surface of tfjs-backend-wasm 4.x that the binding reads. */
interface WasmBackendFields {
  wasm?: { asm?: { memory?: unknown } };
  dataIdMap?: {
    get(dataId: object): { memoryOffset: number } | undefined;
    has(dataId: object): boolean;
  };
  makeOutput?(shape: number[], dtype: "float32"): TensorInfo;
  typedArrayFromHeap?(t: TensorInfo): Float32Array | Int32Array;
  disposeData?(dataId: object, force?: boolean): boolean;
  refCount?(dataId: object): number;
}

const METHODS = ["makeOutput", "typedArrayFromHeap", "disposeData", "refCount"] as const;

/**
 * Binds the kernels to a wasm backend object, or says why not: a private field it relies on is
 * missing or behaves otherwise (another tfjs version), or wasm SIMD is unavailable.
 */
export function bindHeap(backend: unknown): WasmHeap | { problem: string } {
  if (typeof backend !== "object" || backend === null) return { problem: "no wasm backend object" };
  const b = backend as WasmBackendFields;
  const memory = b.wasm?.asm?.memory;
  if (!(memory instanceof WA.Memory))
    return { problem: "tfjs-backend-wasm's private field wasm.asm.memory is not a WebAssembly.Memory" };
  const map = b.dataIdMap;
  if (typeof map?.get !== "function" || typeof map.has !== "function")
    return { problem: "tfjs-backend-wasm's private field dataIdMap (get/has) is missing" };
  for (const m of METHODS)
    if (typeof b[m] !== "function")
      return { problem: `tfjs-backend-wasm's private method ${m}() is missing` };
  const kernels = compileKernels(memory);
  if ("error" in kernels) return { problem: kernels.error };
  const bound = b as Required<WasmBackendFields>;
  const heap: WasmHeap = {
    kernels,
    memory: memory as WasmHeap["memory"],
    offset(dataId) {
      const d = bound.dataIdMap.get(dataId);
      if (!d) throw new Error("@mtl/accel: the tensor is not on the wasm backend");
      return d.memoryOffset;
    },
    has: (dataId) => bound.dataIdMap.has(dataId),
    view: (t) => bound.typedArrayFromHeap(t),
    makeOutput: (shape) => bound.makeOutput(shape, "float32"),
    dispose: (dataId) => void bound.disposeData(dataId),
    refCount: (dataId) => bound.refCount(dataId),
  };
  const problem = selfTest(heap);
  return problem ? { problem } : heap;
}

/**
 * Round-trips through the fields: a tensor made by makeOutput must be visible at its
 * memoryOffset in the memory the kernels import, and a small product by `gemm` must come out
 * right. Catches a renamed field that still exists with another meaning.
 */
function selfTest(heap: WasmHeap): string | undefined {
  let a: TensorInfo | undefined;
  let c: TensorInfo | undefined;
  try {
    a = heap.makeOutput([2, 4]);
    c = heap.makeOutput([2, 4]);
    const values = [1, 2, 3, 4, 5, 6, 7, 8];
    heap.view(a).set(values);
    const at = heap.offset(a.dataId);
    const seen = new Float32Array(heap.memory.buffer, at, 8);
    if (values.some((v, i) => seen[i] !== v))
      return "tfjs-backend-wasm's memoryOffset does not address its tensor data in wasm.asm.memory";
    // C[2, 4] = A[:, 0:2] · A[0:2, :], reading A's rows 16 bytes apart.
    heap.kernels.gemm(at, at, heap.offset(c.dataId), 2, 4, 2, 16, 4, 16, 16, 0);
    const got = Array.from(heap.view(c));
    const want = [0, 1].flatMap((i) =>
      [0, 1, 2, 3].map(
        (j) =>
          (values[4 * i] as number) * (values[j] as number) +
          (values[4 * i + 1] as number) * (values[4 + j] as number),
      ),
    );
    if (got.some((v, k) => v !== want[k])) return "the gemm kernel computes wrong values on this heap";
    return undefined;
  } catch (err) {
    return `the wasm backend's heap does not behave as expected (${(err as Error).message})`;
  } finally {
    if (a) heap.dispose(a.dataId);
    if (c) heap.dispose(c.dataId);
  }
}
