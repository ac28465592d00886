/**
 * Matrix products on the wasm heap. On the wasm backend a matMul with transposeA/transposeB runs
 * 15–20× slower than a plain one (256×256: ~2 ms plain, ~30 ms transposeA), and backpropagation
 * through a dense layer is made of exactly those products. `installMatMul` replaces the wasm
 * BatchMatMul and _FusedMatMul kernels: float32 products of matrices go to the SIMD `gemm`
 * (simdMatMul), which also avoids XNNPACK's per-call packing of the right operand; other
 * transposed products become an explicit transpose (cheap, memory-bound) and XNNPACK's plain one.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import type { WasmHeap } from "./heap.ts";

const PATCHED = ["BatchMatMul", "_FusedMatMul"] as const;
const originals = new Map<string, KernelConfig>();

/** The wasm backend as a kernel receives it (its own object: the heap is bound to it). */
interface KernelBackend {
  disposeData(dataId: object): void;
}

const BLOCK = 32;

/** Whether simdMatMul takes batches of more than one matrix (false: the state before it did). */
let batchedProducts = true;

/** Batched products by the SIMD kernels (true, the default) or by tfjs's (false): for `pnpm bench train`. */
export function setBatchedProducts(on: boolean): void {
  batchedProducts = on;
}

/**
 * Rank-2 transpose straight on the wasm heap, in cache-sized blocks: ~8× faster than the wasm
 * Transpose kernel for 256×256 (whose generic N-d loop costs ~0.9 ms there).
 */
export function transpose2d(
  x: TensorInfo,
  heap: WasmHeap,
  [rows, cols] = x.shape as [number, number],
): TensorInfo {
  return transposeEach(x, heap, 1, rows, cols, [cols, rows]);
}

/**
 * Transposes each of `batches` consecutive [rows, cols] matrices of `x` into an output of
 * `shape` (batches × cols × rows floats).
 */
function transposeEach(
  x: TensorInfo,
  heap: WasmHeap,
  batches: number,
  rows: number,
  cols: number,
  shape: number[],
): TensorInfo {
  const out = heap.makeOutput(shape);
  const size = rows * cols;
  if (rows % 4 === 0 && cols % 4 === 0) {
    // The SIMD kernel (kernels/transpose.ts), in 4×4 blocks: ~8× faster than the loop below.
    const src = heap.offset(x.dataId);
    const dst = heap.offset(out.dataId);
    for (let p = 0; p < batches; p++)
      heap.kernels.transpose(src + 4 * p * size, dst + 4 * p * size, rows, cols);
    return out;
  }
  // Views after makeOutput: allocation may grow (and detach) the heap.
  const src = heap.view(x);
  const dst = heap.view(out);
  for (let p = 0; p < batches; p++) {
    const base = p * size;
    for (let i0 = 0; i0 < rows; i0 += BLOCK) {
      const i1 = Math.min(i0 + BLOCK, rows);
      for (let j0 = 0; j0 < cols; j0 += BLOCK) {
        const j1 = Math.min(j0 + BLOCK, cols);
        for (let i = i0; i < i1; i++) {
          const row = base + i * cols;
          for (let j = j0; j < j1; j++) dst[base + j * rows + i] = src[row + j] as number;
        }
      }
    }
  }
  return out;
}

/**
 * Whether to compute a transposed product as the transpose of the swapped one, Cᵀ = (Bᵀ)ᵀ·… :
 * A·Bᵀ = (B·Aᵀ)ᵀ and Aᵀ·B = (Bᵀ·A)ᵀ. The plain product packs its right operand on every call
 * (XNNPACK treats it as weights, and gradients are new tensors each step); packing costs about
 * twice a transpose per element here. So, in transposed elements, A·Bᵀ directly costs
 * nk + 2nk, swapped mk + 2mk + mn; Aᵀ·B directly km + 2kn, swapped kn + 2km + mn. Swapping pays
 * when the big operand would otherwise be packed: backpropagating into a wide layer's input
 * (dy [64, 64] · Wᵀ, W [5408, 64]) and the filter gradient of an im2col convolution
 * (colsᵀ [9, 43264] · dY [43264, 32]). Square products (the MLP reference) are left alone.
 */
function swapPays(a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean): boolean {
  if (tA === tB || a.shape.length !== 2 || b.shape.length !== 2 || a.dtype !== "float32") return false;
  if (tB) {
    const [m, k] = a.shape as [number, number];
    const n = b.shape[0] as number;
    return 3 * m * k + m * n < 3 * n * k;
  }
  const [k, m] = a.shape as [number, number];
  const n = b.shape[1] as number;
  return m * (k + n) < k * n;
}

/**
 * A float32 product of matrices, or of batches of them ([P, m, k]·[P, k, n], either batch of
 * one broadcast to the other's), by the SIMD `gemm` (kernels/gemm.ts), which neither packs nor
 * needs A transposed: C = op(A)·B directly when N is a multiple of 4 (Bᵀ is transposed first,
 * unless it is a vector), and a column C = Aᵀ·b as the row bᵀ·A; one call per batch. Null when
 * the shapes do not fit (the caller falls back to XNNPACK).
 */
export function simdMatMul(
  a: TensorInfo,
  b: TensorInfo,
  tA: boolean,
  tB: boolean,
  heap: WasmHeap,
): TensorInfo | null {
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length !== b.shape.length) return null;
  const rank = a.shape.length;
  if (rank !== 2 && rank !== 3) return null;
  const Pa = rank === 3 ? (a.shape[0] as number) : 1;
  const Pb = rank === 3 ? (b.shape[0] as number) : 1;
  if (Pa !== Pb && Pa !== 1 && Pb !== 1) return null;
  const P = Math.max(Pa, Pb);
  if (P > 1 && !batchedProducts) return null;
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const M = tA ? ac : ar;
  const K = tA ? ar : ac;
  const N = tB ? br : bc;
  if (M < 1 || K < 1 || N < 1 || P < 1) return null;
  const shape = rank === 3 ? [P, M, N] : [M, N];
  // Byte steps from one batch's matrix to the next; 0 broadcasts a batch of one.
  const aStep = Pa > 1 ? 4 * M * K : 0;
  const bStep = Pb > 1 ? 4 * K * N : 0;
  const cStep = 4 * M * N;
  const off = heap.offset;
  const flip = (x: TensorInfo, batches: number, rows: number, cols: number) =>
    transposeEach(x, heap, batches, rows, cols, batches > 1 ? [batches, cols, rows] : [cols, rows]);
  const temps: TensorInfo[] = [];
  const temp = (t: TensorInfo) => {
    temps.push(t);
    return t;
  };
  let out: TensorInfo;
  if (N % 4 === 0) {
    // B as [K, N] rows; a vector needs no transpose.
    const flipped = tB && K > 1 && N > 1 ? temp(flip(b, Pb, N, K)) : null;
    // Aᵀ too when the product is wide enough to repay it (SIMD transpose, M and K multiples of
    // 4): the kernel then reads rows of A instead of 16-byte pieces of rows 4M bytes apart,
    // which thrash L1 when 4M is a power of two (256³: 1.47 → 1.25 ms, [64, 256]ᵀ·[256, 256]:
    // 0.37 → 0.32 ms, the transpose included).
    const flippedA = tA && N >= 64 && M > 1 && M % 4 === 0 && K % 4 === 0 ? temp(flip(a, Pa, K, M)) : null;
    const tA2 = tA && !flippedA;
    // Room for a packed slab of B (K × 8) where enough rows of A reuse it: see gemm.
    const pack = M >= 16 && N >= 8 && K > 1 ? temp(heap.makeOutput([K, 8])) : null;
    out = heap.makeOutput(shape);
    const aOff = off((flippedA ?? a).dataId);
    const bOff = off((flipped ?? b).dataId);
    const cOff = off(out.dataId);
    const packOff = pack ? off(pack.dataId) : 0;
    for (let p = 0; p < P; p++)
      heap.kernels.gemm(
        aOff + p * aStep,
        bOff + p * bStep,
        cOff + p * cStep,
        M,
        N,
        K,
        tA2 ? 4 : 4 * K,
        tA2 ? 4 * M : 4,
        4 * N,
        4 * N,
        packOff,
      );
  } else if (N === 1 && tA && M % 4 === 0) {
    // Aᵀ·b = (bᵀ·A)ᵀ, and a column is laid out as a row. A is [K, M]: rows of M floats.
    out = heap.makeOutput(shape);
    const aOff = off(a.dataId);
    const bOff = off(b.dataId);
    const cOff = off(out.dataId);
    for (let p = 0; p < P; p++)
      heap.kernels.gemm(bOff + p * bStep, aOff + p * aStep, cOff + p * cStep, 1, M, K, 0, 4, 4 * M, 4 * M, 0);
  } else {
    // N mod 4 ≠ 0: the first N − N mod 4 columns by gemm (B as [K, N] rows, Bᵀ transposed
    // first), the rest (all of a narrow output such as a regression head's [M, 1]) by
    // gemmNarrow, which reads either operand in place.
    const N4 = N - (N % 4);
    const flipped = N4 > 0 && tB && K > 1 ? temp(flip(b, Pb, N, K)) : null;
    out = heap.makeOutput(shape);
    const aOff = off(a.dataId);
    const cOff = off(out.dataId);
    const sai = tA ? 4 : 4 * K;
    const sak = tA ? 4 * M : 4;
    const bOff = off((flipped ?? b).dataId);
    const [sbk, sbn] = tB && !flipped ? [4, 4 * K] : [4 * N, 4];
    for (let p = 0; p < P; p++) {
      const [ap, bp, cp] = [aOff + p * aStep, bOff + p * bStep, cOff + p * cStep];
      if (N4 > 0) heap.kernels.gemm(ap, bp, cp, M, N4, K, sai, sak, 4 * N, 4 * N, 0);
      heap.kernels.gemmNarrow(ap, bp + N4 * sbn, cp + 4 * N4, M, N - N4, K, sai, sak, sbk, sbn, 4 * N);
    }
  }
  for (const t of temps) heap.dispose(t.dataId);
  return out;
}

/** Replaces the wasm matMul kernels (idempotent); `heapOf` gives the heap of the kernel's backend. */
export function installMatMul(heapOf: (backend: object) => WasmHeap): void {
  for (const name of PATCHED) {
    if (originals.has(name)) continue;
    const original = tf.getKernel(name, "wasm");
    const transpose = tf.getKernel("Transpose", "wasm");
    if (!original || !transpose) continue;
    const kernelFunc = ((args: {
      inputs: Record<string, TensorInfo>;
      backend: KernelBackend;
      attrs: NamedAttrMap;
    }) => {
      const { inputs, backend, attrs } = args;
      const heap = heapOf(backend);
      const tA = attrs.transposeA === true;
      const tB = attrs.transposeB === true;
      if (name === "BatchMatMul") {
        const fast = simdMatMul(inputs.a as TensorInfo, inputs.b as TensorInfo, tA, tB, heap);
        if (fast) return fast;
      }
      if (!tA && !tB) return original.kernelFunc(args as never);
      const temps: TensorInfo[] = [];
      const flip = (x: TensorInfo): TensorInfo => {
        if (x.shape.length === 2 && x.dtype === "float32") {
          const out = transpose2d(x, heap);
          temps.push(out);
          return out;
        }
        const perm = x.shape.map((_, i) => i);
        const r = perm.length;
        perm[r - 2] = r - 1;
        perm[r - 1] = r - 2;
        const out = transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } } as never) as TensorInfo;
        temps.push(out);
        return out;
      };
      const a = inputs.a as TensorInfo;
      const b = inputs.b as TensorInfo;
      if (name === "BatchMatMul" && swapPays(a, b, tA, tB)) {
        // A·Bᵀ = (B·Aᵀ)ᵀ, Aᵀ·B = (Bᵀ·A)ᵀ: see swapPays.
        const swapped = tB ? { a: b, b: flip(a) } : { a: flip(b), b: a };
        const cT = original.kernelFunc({
          inputs: swapped,
          backend,
          attrs: { ...attrs, transposeA: false, transposeB: false },
        } as never) as TensorInfo;
        const out = transpose2d(cT, heap);
        backend.disposeData(cT.dataId);
        for (const t of temps) backend.disposeData(t.dataId);
        return out;
      }
      const out = original.kernelFunc({
        inputs: { ...inputs, a: tA ? flip(a) : a, b: tB ? flip(b) : b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      } as never);
      for (const t of temps) backend.disposeData(t.dataId);
      return out;
    }) as unknown as KernelFunc;
    originals.set(name, original);
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ ...original, kernelFunc });
  }
}

/** Restores the stock wasm kernels. */
export function uninstallMatMul(): void {
  for (const [name, original] of originals) {
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(original);
  }
  originals.clear();
}
