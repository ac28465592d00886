import {
  F32_ZERO,
  Fn,
  I32,
  MEMARG_F32,
  SIMD,
  V128_ZERO,
  type ValType,
  v128Load,
  v128Store,
} from "../assembler.ts";

/**
 * Row-wise loops for dense layers: params (…pointers, rows, width). Each row is processed four
 * floats at a time, then one at a time for the last width mod 4.
 * - biasAdd(y, b): y[r, :] += b; biasRelu(y, b): y[r, :] = max(y[r, :] + b, 0) (f32 rounding,
 *   as the tf kernels);
 * - reluGrad(dy, y, g): g = dy where y > 0, else 0 (by the layer's output: relu' = [y > 0]);
 * - columnSums(src, dst): dst[:] = Σ_r src[r, :] (a bias gradient), summed over r in order.
 */
function rowLoop(
  pointers: number,
  body: (f: Fn, lanes: boolean, at: (p: number, shared?: boolean) => void) => void,
  before?: (f: Fn, rowBytes: number) => void,
): Fn {
  const f = new Fn(new Array<ValType>(pointers + 2).fill(I32));
  const rows = pointers;
  const width = pointers + 1;
  const r = f.local(I32);
  const j = f.local(I32); // byte offset within the row
  const rowBytes = f.local(I32);
  const simdEnd = f.local(I32);
  const base = f.local(I32); // byte offset of the row
  f.get(width).i32(2).emit(0x74).set(rowBytes); // width·4
  f.get(rowBytes).i32(-16).emit(0x71).set(simdEnd);
  before?.(f, rowBytes);
  // The address of pointer p's element in the current row, or in its one row if `shared`.
  const at = (p: number, shared = false) => {
    f.get(p).get(j).add();
    if (!shared) f.get(base).add();
  };
  f.i32(0).set(r).i32(0).set(base);
  f.while(
    () => f.get(r).get(rows).emit(0x49), // i32.lt_u
    () => {
      f.i32(0).set(j);
      f.while(
        () => f.get(j).get(simdEnd).emit(0x49),
        () => body(f, true, at),
        () => f.get(j).i32(16).add().set(j),
      );
      f.while(
        () => f.get(j).get(rowBytes).emit(0x49),
        () => body(f, false, at),
        () => f.get(j).i32(4).add().set(j),
      );
    },
    () => {
      f.get(r).i32(1).add().set(r);
      f.get(base).get(rowBytes).add().set(base);
    },
  );
  return f;
}

const load = (f: Fn, lanes: boolean) => (lanes ? f.emit(...v128Load(0)) : f.emit(0x2a, ...MEMARG_F32));
const store = (f: Fn, lanes: boolean) => (lanes ? f.emit(...v128Store(0)) : f.emit(0x38, ...MEMARG_F32));
const addF = (f: Fn, lanes: boolean) => f.emit(...(lanes ? SIMD(0xe4) : [0x92]));

export const biasKernel = (relu: boolean) =>
  rowLoop(2, (f, lanes, at) => {
    at(0); // where y[r, j] goes
    at(0);
    load(f, lanes);
    at(1, true); // b[j]
    load(f, lanes);
    addF(f, lanes);
    if (relu) f.emit(...(lanes ? [...V128_ZERO, ...SIMD(0xe9)] : [...F32_ZERO, 0x97])); // max(·, 0)
    store(f, lanes);
  });

export const reluGrad = () =>
  rowLoop(3, (f, lanes, at) => {
    at(2); // where g[r, j] goes
    at(0);
    load(f, lanes); // dy
    if (lanes) {
      at(1);
      load(f, lanes); // y
      f.emit(...V128_ZERO, ...SIMD(0x44), ...SIMD(0x4e)); // v128.and(dy, f32x4.gt(y, 0))
    } else {
      f.emit(...F32_ZERO);
      at(1);
      load(f, lanes);
      f.emit(...F32_ZERO, 0x5e, 0x1b); // select(dy, 0, f32.gt(y, 0))
    }
    store(f, lanes);
  });

export const columnSums = () =>
  rowLoop(
    2,
    (f, lanes, at) => {
      at(1, true); // where dst[j] goes
      at(1, true);
      load(f, lanes);
      at(0);
      load(f, lanes);
      addF(f, lanes);
      store(f, lanes);
    },
    (f, rowBytes) => {
      // dst ← 0 first, one float at a time (it is one row).
      const k = f.local(I32);
      f.i32(0).set(k);
      f.while(
        () => f.get(k).get(rowBytes).emit(0x49),
        () =>
          f
            .get(1)
            .get(k)
            .add()
            .emit(...F32_ZERO, 0x38, ...MEMARG_F32),
        () => f.get(k).i32(4).add().set(k),
      );
    },
  );
