/** The SIMD products against tfjs's own wasm kernels and against float32 arithmetic to the bit. */
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { install } from "./index.ts";

await tf.setBackend("wasm");
const accel = install();
/** Every combination of matMul's transpose flags (transposeA, transposeB). */
const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;
if (!accel) throw new Error("the accel did not install on the wasm backend");

describe("fast wasm matMul", () => {
  it("is active once installed and gives the stock kernel's results for every transpose flag", () => {
    expect(accel.active).toBe(true);
    const a = tf.randomNormal([37, 53], 0, 1, "float32", 1);
    const b = tf.randomNormal([37, 53], 0, 1, "float32", 2);
    const c = tf.randomNormal([53, 37], 0, 1, "float32", 3);
    const cases: [tf.Tensor2D, tf.Tensor2D, boolean, boolean][] = [
      [a as tf.Tensor2D, c as tf.Tensor2D, false, false],
      [a as tf.Tensor2D, b as tf.Tensor2D, true, false],
      [a as tf.Tensor2D, b as tf.Tensor2D, false, true],
      [a as tf.Tensor2D, c as tf.Tensor2D, true, true],
    ];
    const run = () =>
      cases.map(([x, y, tA, tB]) => tf.tidy(() => Array.from(tf.matMul(x, y, tA, tB).dataSync())));
    const fast = run();
    accel.disable();
    expect(accel.active).toBe(false);
    const stock = run();
    accel.enable();
    fast.forEach((f, i) => {
      f.forEach((v, j) => {
        expect(v).toBeCloseTo(stock[i]?.[j] as number, 3);
      });
    });
    tf.dispose([a, b, c]);
  });

  it("gives the stock results where it computes the transpose of the swapped product", () => {
    // Shapes where swapping pays (see swapPays): a wide layer's input gradient dy · Wᵀ, and an
    // im2col filter gradient colsᵀ · dY.
    const dy = tf.randomNormal([8, 16], 0, 1, "float32", 4) as tf.Tensor2D;
    const W = tf.randomNormal([300, 16], 0, 1, "float32", 5) as tf.Tensor2D;
    const cols = tf.randomNormal([500, 9], 0, 1, "float32", 6) as tf.Tensor2D;
    const dY = tf.randomNormal([500, 12], 0, 1, "float32", 7) as tf.Tensor2D;
    const run = () => [
      tf.tidy(() => Array.from(tf.matMul(dy, W, false, true).dataSync())),
      tf.tidy(() => Array.from(tf.matMul(cols, dY, true, false).dataSync())),
    ];
    const fast = run();
    accel.disable();
    expect(accel.active).toBe(false);
    const stock = run();
    accel.enable();
    expect(fast.map((f) => f.length)).toEqual([8 * 300, 9 * 12]);
    fast.forEach((f, i) => {
      f.forEach((v, j) => {
        expect(v).toBeCloseTo(stock[i]?.[j] as number, 3);
      });
    });
    tf.dispose([dy, W, cols, dY]);
  });

  it("handles batched transposed products", () => {
    const a = tf.randomNormal([37, 53], 0, 1, "float32", 1);
    const b = tf.randomNormal([37, 53], 0, 1, "float32", 2);
    const batched = tf.tidy(() =>
      Array.from(tf.matMul(tf.stack([a, b]), tf.stack([b, a]), false, true).dataSync()),
    );
    expect(batched.length).toBe(2 * 37 * 37);
    tf.dispose([a, b]);
  });

  it("computes products of every shape class exactly (SIMD kernel: row and column remainders, vectors, batch of one)", () => {
    // [M, K, N] with M mod 4 = 0…3, N a multiple of 8, of 4 only, 1…3 and with a remainder
    // mod 4, K = 1, and K and N multiples of 4 (Bᵀ transposed by the SIMD transpose).
    const shapes: [number, number, number][] = [
      [8, 5, 16],
      [9, 7, 12],
      [10, 3, 4],
      [7, 1, 20],
      [1, 9, 8],
      [12, 6, 1],
      [13, 6, 1],
      [6, 4, 7],
      [9, 8, 12],
      [3, 16, 8],
      [11, 5, 2],
      [16, 8, 3],
      [5, 12, 10],
      [7, 1, 6],
      [1, 4, 1],
      [12, 8, 64],
      [9, 8, 64],
      [17, 6, 24],
      [16, 5, 12],
    ];
    let seed = 10;
    for (const [M, K, N] of shapes)
      for (const [tA, tB] of TRANSPOSES)
        for (const batched of [false, true]) {
          const A = tf.randomNormal(tA ? [K, M] : [M, K], 0, 1, "float32", seed++) as tf.Tensor2D;
          const B = tf.randomNormal(tB ? [N, K] : [K, N], 0, 1, "float32", seed++) as tf.Tensor2D;
          const a = A.arraySync();
          const b = B.arraySync();
          const got = tf.tidy(() =>
            batched
              ? tf.reshape(tf.matMul(tf.expandDims(A, 0), tf.expandDims(B, 0), tA, tB), [M, N]).arraySync()
              : tf.matMul(A, B, tA, tB).arraySync(),
          ) as number[][];
          for (let i = 0; i < M; i++)
            for (let j = 0; j < N; j++) {
              // In float32, summed over k in order: the kernels' arithmetic, to the bit.
              let want = 0;
              for (let k = 0; k < K; k++)
                want = Math.fround(
                  want + Math.fround((tA ? a[k]?.[i] : a[i]?.[k])! * (tB ? b[j]?.[k] : b[k]?.[j])!),
                );
              expect(got[i]?.[j]).toBe(want);
            }
          tf.dispose([A, B]);
        }
  });

  it("computes batched products (batch > 1, odd shapes, every transpose flag, a broadcast batch of one) as the stock kernel does, and exactly", () => {
    // [P, M, K, N]: the meta-learning shapes (tasks × samples × features), narrow outputs, N a
    // multiple of 4 with Aᵀ transposed first (N ≥ 64), remainders of 4 everywhere.
    const shapes: [number, number, number, number][] = [
      [3, 7, 5, 9],
      [2, 5, 13, 4],
      [5, 16, 12, 64],
      [4, 9, 3, 1],
      [3, 8, 6, 1],
      [2, 11, 17, 6],
      [6, 5, 20, 5],
    ];
    let seed = 500;
    for (const [P, M, K, N] of shapes)
      for (const [tA, tB] of TRANSPOSES)
        for (const [Pa, Pb] of [
          [P, P],
          [1, P],
          [P, 1],
        ] as const) {
          const A = tf.randomNormal(tA ? [Pa, K, M] : [Pa, M, K], 0, 1, "float32", seed++) as tf.Tensor3D;
          const B = tf.randomNormal(tB ? [Pb, N, K] : [Pb, K, N], 0, 1, "float32", seed++) as tf.Tensor3D;
          const got = tf.tidy(() => tf.matMul(A, B, tA, tB).arraySync()) as number[][][];
          accel.disable();
          const stock = tf.tidy(() => tf.matMul(A, B, tA, tB).arraySync()) as number[][][];
          accel.enable();
          expect([got.length, got[0]?.length, got[0]?.[0]?.length]).toEqual([P, M, N]);
          const a = A.arraySync();
          const b = B.arraySync();
          for (let p = 0; p < P; p++) {
            const ap = a[Pa > 1 ? p : 0] as number[][];
            const bp = b[Pb > 1 ? p : 0] as number[][];
            for (let i = 0; i < M; i++)
              for (let j = 0; j < N; j++) {
                let want = 0;
                for (let k = 0; k < K; k++)
                  want = Math.fround(
                    want + Math.fround((tA ? ap[k]?.[i] : ap[i]?.[k])! * (tB ? bp[j]?.[k] : bp[k]?.[j])!),
                  );
                const v = got[p]?.[i]?.[j] as number;
                expect(v).toBe(want);
                expect(v).toBeCloseTo(stock[p]?.[i]?.[j] as number, 3);
              }
          }
          tf.dispose([A, B]);
        }
  });
});
