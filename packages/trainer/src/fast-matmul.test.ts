import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { initBackend } from "./backend.ts";
import { fastMatMulInstalled, installFastMatMul, uninstallFastMatMul } from "./fast-matmul.ts";

await initBackend("wasm");

describe("fast wasm matMul", () => {
  it("is installed by initBackend and gives the stock kernel's results for every transpose flag", () => {
    expect(fastMatMulInstalled()).toBe(true);
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
    uninstallFastMatMul();
    const stock = run();
    installFastMatMul();
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
    uninstallFastMatMul();
    const stock = run();
    installFastMatMul();
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
});
