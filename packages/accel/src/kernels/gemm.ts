/** Matrix products on the heap: `gemm` (SIMD) and `gemmNarrow` (scalar, for narrow outputs). */
import { F32, Fn, I32, MEMARG_F32, SIMD, V128, V128_ZERO, v128Load, v128Store } from "../assembler.ts";

/**
 * gemm(a, b, c, M, N, K, sai, sak, ldb, ldc, pack): C[M, N] = Σ_k A(i, k)·B[k, :], where A(i, k)
 * is the float at byte address a + i·sai + k·sak (so A or Aᵀ), B has rows of N floats ldb bytes
 * apart and C rows ldc bytes apart. With pack ≠ 0 (16-byte aligned room for K × 8 floats), each
 * slab of 8 columns of B is first copied there contiguously. N must be a multiple of 4 and K ≥ 1. Tiles of 4 rows × 8 columns (eight
 * f32x4 accumulators; 6×8, 4×12 and 3×16 measured no faster), then 4 columns, then single rows.
 * Each sum runs over k in order, as XNNPACK's does: the results are the same to the bit.
 */
export function gemm(): Fn {
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
export function gemmNarrow(): Fn {
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
