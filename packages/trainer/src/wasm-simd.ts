/**
 * A few hand-built WebAssembly SIMD kernels that work straight on the wasm backend's heap (they
 * import its WebAssembly.Memory), for what the backend does slowly from JS:
 * - `gemm`: C = A·B or Aᵀ·B for float32 matrices, with no packing of A and at most a contiguous
 *   copy of each 8-column slab of B (cheap, and it keeps the slab in L1). The backend's
 *   XNNPACK product packs its right operand on every call (the operator is cached by tensor id,
 *   and in training the right operand is a fresh tensor every step) and cannot take a transposed
 *   left operand without an explicit transpose; here the inner loop splats one element of A and
 *   multiplies it into rows of B, which are contiguous, so neither is needed.
 * - the update rules of Adam, SGD, momentum and RMSprop (optimizers.ts), one pass per variable
 *   instead of about ten tfjs ops, each operation rounded to float32 in tfjs's order.
 *
 * The module is assembled here byte by byte (no toolchain needed) and compiled once per thread.
 */

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
type ValType = typeof I32 | typeof F32 | typeof V128;

function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const name = (s: string) => [...uleb(s.length), ...new TextEncoder().encode(s)];
const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

const SIMD = (op: number) => [0xfd, ...uleb(op)];

/** One function under construction: params, locals and a flat instruction stream. */
class Fn {
  readonly locals: ValType[] = [];
  readonly code: number[] = [];
  constructor(readonly params: ValType[]) {}
  local(t: ValType): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }
  emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(i: number) {
    return this.emit(0x20, ...uleb(i));
  }
  set(i: number) {
    return this.emit(0x21, ...uleb(i));
  }
  tee(i: number) {
    return this.emit(0x22, ...uleb(i));
  }
  i32(n: number) {
    return this.emit(0x41, ...sleb(n));
  }
  add() {
    return this.emit(0x6a);
  }
  sub() {
    return this.emit(0x6b);
  }
  mul() {
    return this.emit(0x6c);
  }
  /** `block { loop { …body… } }`: in the body, `br_if 1` leaves and `br 0` repeats. */
  loop(body: () => void) {
    this.emit(0x02, 0x40, 0x03, 0x40);
    body();
    return this.emit(0x0b, 0x0b);
  }
  /** A counted loop: runs body while `cond` (which pushes an i32) holds, then `step`. */
  while(cond: () => void, body: () => void, step: () => void) {
    return this.loop(() => {
      cond();
      this.emit(0x45, 0x0d, 1); // i32.eqz; br_if 1
      body();
      step();
      this.emit(0x0c, 0); // br 0
    });
  }
  ifThen(cond: () => void, body: () => void) {
    cond();
    this.emit(0x04, 0x40);
    body();
    return this.emit(0x0b);
  }
  body(): number[] {
    const locals = vec(this.locals.map((t) => [1, t]));
    const bytes = [...locals, ...this.code, 0x0b];
    return [...uleb(bytes.length), ...bytes];
  }
}

const MEMARG_F32 = [2, 0];
const v128Load = (offset: number) => [...SIMD(0x00), 4, ...uleb(offset)];
const v128Store = (offset: number) => [...SIMD(0x0b), 4, ...uleb(offset)];
const V128_ZERO = [...SIMD(0x0c), ...new Array<number>(16).fill(0)];

/**
 * gemm(a, b, c, M, N, K, sai, sak, ldb, ldc, pack): C[M, N] = Σ_k A(i, k)·B[k, :], where A(i, k)
 * is the float at byte address a + i·sai + k·sak (so A or Aᵀ), B has rows of N floats ldb bytes
 * apart and C rows ldc bytes apart. With pack ≠ 0 (16-byte aligned room for K × 8 floats), each
 * slab of 8 columns of B is first copied there contiguously. N must be a multiple of 4 and K ≥ 1. Tiles of 4 rows × 8 columns (eight
 * f32x4 accumulators; 6×8, 4×12 and 3×16 measured no faster), then 4 columns, then single rows.
 * Each sum runs over k in order, as XNNPACK's does: the results are the same to the bit.
 */
function gemm(): Fn {
  const MR = 4;
  const NV = 2;
  const f = new Fn(new Array(11).fill(I32));
  const [a, b, c, M, N, K, sai, sak, ldb, ldc, pack] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
  const bb = f.local(I32); // B, or the packed slab minus j0's offset
  const lb = f.local(I32); // its row stride
  const i0 = f.local(I32);
  const j0 = f.local(I32);
  const pa = f.local(I32);
  const pb = f.local(I32);
  const pc = f.local(I32);
  const k = f.local(I32);
  const rowOffset: (number | null)[] = [null, sai];
  for (let r = 2; r < MR; r++) rowOffset.push(f.local(I32));
  const x = f.local(V128);
  const acc = Array.from({ length: MR * NV }, () => f.local(V128));
  const bv = Array.from({ length: NV }, () => f.local(V128));

  const tile = (mr: number, nv: number) => {
    for (let r = 0; r < mr; r++)
      for (let v = 0; v < nv; v++) f.emit(...V128_ZERO).set(acc[r * NV + v] as number);
    f.get(a).get(i0).get(sai).mul().add().set(pa);
    f.get(bb).get(j0).i32(2).emit(0x74).add().set(pb); // i32.shl
    f.get(K).set(k);
    f.loop(() => {
      for (let v = 0; v < nv; v++)
        f.get(pb)
          .emit(...v128Load(16 * v))
          .set(bv[v] as number);
      for (let r = 0; r < mr; r++) {
        f.get(pa);
        const off = rowOffset[r];
        if (off != null) f.get(off).add();
        f.emit(...SIMD(0x09), ...MEMARG_F32) // v128.load32_splat
          .set(x);
        for (let v = 0; v < nv; v++) {
          const ac = acc[r * NV + v] as number;
          f.get(ac)
            .get(x)
            .get(bv[v] as number)
            .emit(...SIMD(0xe6)) // f32x4.mul
            .emit(...SIMD(0xe4)) // f32x4.add
            .set(ac);
        }
      }
      f.get(pa).get(sak).add().set(pa);
      f.get(pb).get(lb).add().set(pb);
      f.get(k).i32(1).sub().tee(k).emit(0x0d, 0); // br_if 0: next k
    });
    f.get(c).get(i0).get(ldc).mul().add().get(j0).i32(2).emit(0x74).add().set(pc);
    for (let r = 0; r < mr; r++) {
      for (let v = 0; v < nv; v++)
        f.get(pc)
          .get(acc[r * NV + v] as number)
          .emit(...v128Store(16 * v));
      if (r < mr - 1) f.get(pc).get(ldc).add().set(pc);
    }
  };

  // Column tiles outside, row tiles inside: a tile's slab of B (K rows × 8 floats) stays in L1
  // while the rows of A stream past it (half the traffic of the other order).
  const rows = (nv: number) => {
    f.i32(0).set(i0);
    f.while(
      () => f.get(i0).i32(MR).add().get(M).emit(0x4d), // i32.le_u
      () => tile(MR, nv),
      () => f.get(i0).i32(MR).add().set(i0),
    );
    f.while(
      () => f.get(i0).get(M).emit(0x49), // i32.lt_u
      () => tile(1, nv),
      () => f.get(i0).i32(1).add().set(i0),
    );
  };

  for (let r = 2; r < MR; r++)
    f.get(rowOffset[r - 1] as number)
      .get(sai)
      .add()
      .set(rowOffset[r] as number);
  f.i32(0).set(j0);
  f.while(
    () =>
      f
        .get(j0)
        .i32(4 * NV)
        .add()
        .get(N)
        .emit(0x4d),
    () => {
      f.get(b).set(bb);
      f.get(ldb).set(lb);
      f.ifThen(
        () => f.get(pack),
        () => {
          // Copy the slab (K rows × 8 floats) to `pack`, contiguous: rows of B ldb bytes apart
          // map to a few L1 sets when ldb is a power of two (256 floats: ~20% slower).
          f.get(b).get(j0).i32(2).emit(0x74).add().set(pb);
          f.get(pack).set(pc);
          f.get(K).set(k);
          f.loop(() => {
            for (let v = 0; v < NV; v++)
              f.get(pc)
                .get(pb)
                .emit(...v128Load(16 * v))
                .emit(...v128Store(16 * v));
            f.get(pb).get(ldb).add().set(pb);
            f.get(pc)
              .i32(16 * NV)
              .add()
              .set(pc);
            f.get(k).i32(1).sub().tee(k).emit(0x0d, 0);
          });
          f.get(pack).get(j0).i32(2).emit(0x74).sub().set(bb);
          f.i32(16 * NV).set(lb);
        },
      );
      rows(NV);
    },
    () =>
      f
        .get(j0)
        .i32(4 * NV)
        .add()
        .set(j0),
  );
  f.get(b).set(bb);
  f.get(ldb).set(lb);
  f.while(
    () => f.get(j0).get(N).emit(0x49),
    () => rows(1),
    () => f.get(j0).i32(4).add().set(j0),
  );
  return f;
}

/**
 * gemmNarrow(a, b, c, M, N, K, sai, sak, sbk, sbn, ldc): C[M, N] = Σ_k A(i, k)·B(k, j) in scalar
 * f32, where A(i, k) is at a + i·sai + k·sak and B(k, j) at b + k·sbk + j·sbn (so either operand
 * may be transposed in place) and C has rows ldc bytes apart. For outputs narrower than a SIMD
 * vector (N < 4, e.g. a regression head's [M, 1]) and the last N mod 4 columns of others. Four
 * rows at a time (independent sums); each sum runs over k in order from 0, like `gemm`'s, so
 * the results are the same to the bit.
 */
function gemmNarrow(): Fn {
  const MR = 4;
  const f = new Fn(new Array(11).fill(I32));
  const [a, b, c, M, N, K, sai, sak, sbk, sbn, ldc] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
  const i0 = f.local(I32);
  const j0 = f.local(I32);
  const pa = f.local(I32);
  const pb = f.local(I32);
  const pc = f.local(I32);
  const k = f.local(I32);
  const rowOffset: (number | null)[] = [null, sai];
  for (let r = 2; r < MR; r++) rowOffset.push(f.local(I32));
  const x = f.local(F32);
  const acc = Array.from({ length: MR }, () => f.local(F32));
  const F32_ZERO = [0x43, 0, 0, 0, 0];

  const tile = (mr: number) => {
    for (let r = 0; r < mr; r++) f.emit(...F32_ZERO).set(acc[r] as number);
    f.get(a).get(i0).get(sai).mul().add().set(pa);
    f.get(b).get(j0).get(sbn).mul().add().set(pb);
    f.get(K).set(k);
    f.loop(() => {
      f.get(pb)
        .emit(0x2a, ...MEMARG_F32) // f32.load
        .set(x);
      for (let r = 0; r < mr; r++) {
        const ac = acc[r] as number;
        f.get(ac).get(pa);
        const off = rowOffset[r];
        if (off != null) f.get(off).add();
        f.emit(0x2a, ...MEMARG_F32)
          .get(x)
          .emit(0x94) // f32.mul
          .emit(0x92) // f32.add
          .set(ac);
      }
      f.get(pa).get(sak).add().set(pa);
      f.get(pb).get(sbk).add().set(pb);
      f.get(k).i32(1).sub().tee(k).emit(0x0d, 0); // br_if 0: next k
    });
    f.get(c).get(i0).get(ldc).mul().add().get(j0).i32(2).emit(0x74).add().set(pc);
    for (let r = 0; r < mr; r++) {
      f.get(pc)
        .get(acc[r] as number)
        .emit(0x38, ...MEMARG_F32); // f32.store
      if (r < mr - 1) f.get(pc).get(ldc).add().set(pc);
    }
  };

  for (let r = 2; r < MR; r++)
    f.get(rowOffset[r - 1] as number)
      .get(sai)
      .add()
      .set(rowOffset[r] as number);
  f.i32(0).set(j0);
  f.while(
    () => f.get(j0).get(N).emit(0x49), // i32.lt_u
    () => {
      f.i32(0).set(i0);
      f.while(
        () => f.get(i0).i32(MR).add().get(M).emit(0x4d), // i32.le_u
        () => tile(MR),
        () => f.get(i0).i32(MR).add().set(i0),
      );
      f.while(
        () => f.get(i0).get(M).emit(0x49),
        () => tile(1),
        () => f.get(i0).i32(1).add().set(i0),
      );
    },
    () => f.get(j0).i32(1).add().set(j0),
  );
  return f;
}

/** i8x16.shuffle of two f32x4 by float lanes (0–3 the first operand, 4–7 the second). */
const shuffle32 = (lanes: number[]) => [
  ...SIMD(0x0d),
  ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]),
];

/**
 * transpose(src, dst, rows, cols): dst[cols, rows] = src[rows, cols]ᵀ for float32 matrices with
 * rows and cols multiples of 4, in 4×4 blocks (four loads, eight shuffles, four stores). About
 * 8× faster than the same loop in JS.
 */
function transpose(): Fn {
  const f = new Fn([I32, I32, I32, I32]);
  const [src, dst, rows, cols] = [0, 1, 2, 3] as const;
  const i0 = f.local(I32);
  const j0 = f.local(I32);
  const ps = f.local(I32);
  const pd = f.local(I32);
  const rb = [f.local(I32), f.local(I32), f.local(I32)]; // 1, 2, 3 source rows in bytes
  const cb = [f.local(I32), f.local(I32), f.local(I32)]; // 1, 2, 3 destination rows in bytes
  const r = Array.from({ length: 4 }, () => f.local(V128));
  const t = Array.from({ length: 4 }, () => f.local(V128));
  for (let m = 0; m < 3; m++) {
    f.get(cols)
      .i32(4 * (m + 1))
      .mul()
      .set(rb[m] as number);
    f.get(rows)
      .i32(4 * (m + 1))
      .mul()
      .set(cb[m] as number);
  }
  f.i32(0).set(i0);
  f.while(
    () => f.get(i0).get(rows).emit(0x49),
    () => {
      f.get(src)
        .get(i0)
        .get(rb[0] as number)
        .mul()
        .add()
        .set(ps);
      f.get(dst).get(i0).i32(2).emit(0x74).add().set(pd);
      f.i32(0).set(j0);
      f.while(
        () => f.get(j0).get(cols).emit(0x49),
        () => {
          for (let m = 0; m < 4; m++) {
            f.get(ps);
            if (m > 0) f.get(rb[m - 1] as number).add();
            f.emit(...v128Load(0)).set(r[m] as number);
          }
          const [r0, r1, r2, r3] = r as [number, number, number, number];
          const [t0, t1, t2, t3] = t as [number, number, number, number];
          f.get(r0)
            .get(r1)
            .emit(...shuffle32([0, 4, 1, 5]))
            .set(t0);
          f.get(r0)
            .get(r1)
            .emit(...shuffle32([2, 6, 3, 7]))
            .set(t1);
          f.get(r2)
            .get(r3)
            .emit(...shuffle32([0, 4, 1, 5]))
            .set(t2);
          f.get(r2)
            .get(r3)
            .emit(...shuffle32([2, 6, 3, 7]))
            .set(t3);
          const outs: [number, number, number[]][] = [
            [t0, t2, [0, 1, 4, 5]],
            [t0, t2, [2, 3, 6, 7]],
            [t1, t3, [0, 1, 4, 5]],
            [t1, t3, [2, 3, 6, 7]],
          ];
          outs.forEach(([x, y, lanes], m) => {
            f.get(pd);
            if (m > 0) f.get(cb[m - 1] as number).add();
            f.get(x)
              .get(y)
              .emit(...shuffle32(lanes))
              .emit(...v128Store(0));
          });
        },
        () => {
          f.get(ps).i32(16).add().set(ps);
          f.get(pd)
            .get(cb[2] as number)
            .add()
            .get(cb[0] as number)
            .add()
            .set(pd);
          f.get(j0).i32(4).add().set(j0);
        },
      );
    },
    () => f.get(i0).i32(4).add().set(i0),
  );
  return f;
}

/** Emits float operations either on f32 or on f32x4 lanes, with the same rounding. */
interface Lanes {
  load(ptr: number): void;
  /** Stores the value computed by `value` at ptr. */
  store(ptr: number, value: () => void): void;
  scalar(s: number): void;
  get(l: number): void;
  set(l: number): void;
  tmp(): number;
  add(): void;
  sub(): void;
  mul(): void;
  div(): void;
  sqrt(): void;
}

/**
 * An elementwise kernel over `ptrs` float arrays of length n with `scalars` f32 parameters:
 * params (ptr…, n, scalar…). `body` computes one element (or four lanes) with the given Lanes.
 */
function elementwise(ptrs: number, scalars: number, body: (l: Lanes) => void): Fn {
  const f = new Fn([...new Array<ValType>(ptrs + 1).fill(I32), ...new Array<ValType>(scalars).fill(F32)]);
  const n = ptrs;
  const o = f.local(I32);
  const end = f.local(I32);
  const simdEnd = f.local(I32);
  const splats = Array.from({ length: scalars }, () => f.local(V128));
  for (let s = 0; s < scalars; s++)
    f.get(ptrs + 1 + s)
      .emit(...SIMD(0x13))
      .set(splats[s] as number);
  f.get(n).i32(2).emit(0x74).set(end);
  f.get(end).i32(-16).emit(0x71).set(simdEnd);
  const lanes = (simd: boolean): Lanes => ({
    load: (p) => {
      f.get(p).get(o).add();
      if (simd) f.emit(...v128Load(0));
      else f.emit(0x2a, ...MEMARG_F32);
    },
    store: (p, value) => {
      f.get(p).get(o).add();
      value();
      if (simd) f.emit(...v128Store(0));
      else f.emit(0x38, ...MEMARG_F32);
    },
    scalar: (s) => {
      f.get(simd ? (splats[s] as number) : ptrs + 1 + s);
    },
    get: (l) => {
      f.get(l);
    },
    set: (l) => {
      f.set(l);
    },
    tmp: () => f.local(simd ? V128 : F32),
    add: () => (simd ? f.emit(...SIMD(0xe4)) : f.emit(0x92)),
    sub: () => (simd ? f.emit(...SIMD(0xe5)) : f.emit(0x93)),
    mul: () => (simd ? f.emit(...SIMD(0xe6)) : f.emit(0x94)),
    div: () => (simd ? f.emit(...SIMD(0xe7)) : f.emit(0x95)),
    sqrt: () => (simd ? f.emit(...SIMD(0xe3)) : f.emit(0x91)),
  });
  const simd = lanes(true);
  const scalar = lanes(false);
  f.i32(0).set(o);
  f.while(
    () => f.get(o).get(simdEnd).emit(0x49),
    () => body(simd),
    () => f.get(o).i32(16).add().set(o),
  );
  f.while(
    () => f.get(o).get(end).emit(0x49),
    () => body(scalar),
    () => f.get(o).i32(4).add().set(o),
  );
  return f;
}

/**
 * g ← g + wd·θ when decaying (addWeightDecay's tf.add(g, tf.mul(θ, wd))), left in a temporary.
 * Pointers: θ = 0, g = 1; `wd` is the scalar index of the decay rate.
 */
function gradient(l: Lanes, decay: boolean, wd: number): number {
  const g = l.tmp();
  l.load(1);
  if (decay) {
    l.load(0);
    l.scalar(wd);
    l.mul();
    l.add();
  }
  l.set(g);
  return g;
}

/**
 * adam(θ, g, m, v, θ', n; wd, β1, 1−β1, β2, 1−β2, 1−β1^t, 1−β2^t, ε, −lr), as tf.train.adam:
 * m ← m·β1 + g·(1−β1); v ← v·β2 + g²·(1−β2); θ' = (m/(1−β1^t)) / (√(v/(1−β2^t)) + ε)·(−lr) + θ.
 */
const adam = (decay: boolean) =>
  elementwise(5, 9, (l) => {
    const g = gradient(l, decay, 0);
    const m = l.tmp();
    const v = l.tmp();
    l.store(2, () => {
      l.load(2);
      l.scalar(1);
      l.mul();
      l.get(g);
      l.scalar(2);
      l.mul();
      l.add();
      l.set(m);
      l.get(m);
    });
    l.store(3, () => {
      l.load(3);
      l.scalar(3);
      l.mul();
      l.get(g);
      l.get(g);
      l.mul();
      l.scalar(4);
      l.mul();
      l.add();
      l.set(v);
      l.get(v);
    });
    l.store(4, () => {
      l.get(m);
      l.scalar(5);
      l.div();
      l.get(v);
      l.scalar(6);
      l.div();
      l.sqrt();
      l.scalar(7);
      l.add();
      l.div();
      l.scalar(8);
      l.mul();
      l.load(0);
      l.add();
    });
  });

/** sgd(θ, g, θ', n; wd, −lr): θ' = (−lr)·g + θ. */
const sgd = (decay: boolean) =>
  elementwise(3, 2, (l) => {
    const g = gradient(l, decay, 0);
    l.store(2, () => {
      l.scalar(1);
      l.get(g);
      l.mul();
      l.load(0);
      l.add();
    });
  });

/** momentum(θ, g, a, θ', n; wd, μ, −lr): a ← a·μ + g; θ' = (−lr)·a + θ. */
const momentum = (decay: boolean) =>
  elementwise(4, 3, (l) => {
    const g = gradient(l, decay, 0);
    const a = l.tmp();
    l.store(2, () => {
      l.load(2);
      l.scalar(1);
      l.mul();
      l.get(g);
      l.add();
      l.set(a);
      l.get(a);
    });
    l.store(3, () => {
      l.scalar(2);
      l.get(a);
      l.mul();
      l.load(0);
      l.add();
    });
  });

/**
 * rmsprop(θ, g, ms, mom, θ', n; wd, ρ, 1−ρ, μ, lr, ε), as tf.train.rmsprop (not centred):
 * ms ← ms·ρ + g²·(1−ρ); mom ← mom·μ + g·lr / √(ms + ε); θ' = θ − mom.
 */
const rmsprop = (decay: boolean) =>
  elementwise(5, 6, (l) => {
    const g = gradient(l, decay, 0);
    const ms = l.tmp();
    const mom = l.tmp();
    l.store(2, () => {
      l.load(2);
      l.scalar(1);
      l.mul();
      l.get(g);
      l.get(g);
      l.mul();
      l.scalar(2);
      l.mul();
      l.add();
      l.set(ms);
      l.get(ms);
    });
    l.store(3, () => {
      l.load(3);
      l.scalar(3);
      l.mul();
      l.get(g);
      l.scalar(4);
      l.mul();
      l.get(ms);
      l.scalar(5);
      l.add();
      l.sqrt();
      l.div();
      l.add();
      l.set(mom);
      l.get(mom);
    });
    l.store(4, () => {
      l.load(0);
      l.get(mom);
      l.sub();
    });
  });

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
const F32_ZERO = [0x43, 0, 0, 0, 0];
const addF = (f: Fn, lanes: boolean) => f.emit(...(lanes ? SIMD(0xe4) : [0x92]));

const biasKernel = (relu: boolean) =>
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

const reluGrad = () =>
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

const columnSums = () =>
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
export type SimdKernels = Record<keyof typeof FUNCTIONS, Kernel>;

function assemble(): Uint8Array {
  const fns = Object.values(FUNCTIONS).map((make) => make());
  const types = fns.map((f) => [0x60, ...vec(f.params.map((p) => [p])), 0]);
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, 0x00, 0x01]])), // memory, min 1 page
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(Object.keys(FUNCTIONS).map((n, i) => [...name(n), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map((f) => f.body()))),
  ];
  return new Uint8Array(bytes);
}

/** The WebAssembly API (a global of Node; the DOM typings that declare it are not loaded here). */
interface WasmApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
type WasmMemory = InstanceType<WasmApi["Memory"]>;

const instances = new WeakMap<WasmMemory, SimdKernels | null>();

/** The kernels bound to `memory` (compiled once per memory), or null where wasm SIMD is missing. */
export function simdKernels(memory: WasmMemory): SimdKernels | null {
  if (instances.has(memory)) return instances.get(memory) ?? null;
  let kernels: SimdKernels | null = null;
  try {
    const module = new WA.Module(assemble());
    const instance = new WA.Instance(module, { env: { memory } });
    kernels = instance.exports as unknown as SimdKernels;
  } catch {
    kernels = null;
  }
  instances.set(memory, kernels);
  return kernels;
}

/** The wasm backend's pieces the kernels need: its memory and the heap offset of a tensor. */
export interface WasmHeap {
  kernels: SimdKernels;
  offset(dataId: object): number;
  backend: {
    makeOutput(shape: number[], dtype: "float32"): { dataId: object; shape: number[]; dtype: string };
    disposeData(dataId: object): void;
    refCount?(dataId: object): number;
  };
}

interface WasmBackendish {
  wasm?: { asm?: { memory?: unknown } };
  dataIdMap?: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput?: unknown;
}

const heaps = new WeakMap<object, { memory: unknown; heap: WasmHeap | null }>();

/**
 * The heap access of a wasm backend object, or null for another backend or without SIMD. Built
 * once per backend (kernels call this on every product).
 */
export function wasmHeap(backend: unknown): WasmHeap | null {
  const b = backend as WasmBackendish;
  const memory = b?.wasm?.asm?.memory;
  if (!b || typeof b !== "object") return null;
  const cached = heaps.get(b);
  if (cached && cached.memory === memory) return cached.heap;
  const heap = buildHeap(b, memory);
  heaps.set(b, { memory, heap });
  return heap;
}

function buildHeap(b: WasmBackendish, memory: unknown): WasmHeap | null {
  if (!(memory instanceof WA.Memory) || !b.dataIdMap || typeof b.makeOutput !== "function") return null;
  const kernels = simdKernels(memory);
  if (!kernels) return null;
  const map = b.dataIdMap;
  return {
    kernels,
    offset: (dataId) => {
      const d = map.get(dataId);
      if (!d) throw new Error("tensor is not on the wasm backend");
      return d.memoryOffset;
    },
    backend: b as unknown as WasmHeap["backend"],
  };
}
