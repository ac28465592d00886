/**
 * The two non-matMul pieces of the `cnn` trunk as single ops with their own gradients (via
 * tf.customGrad): 3×3 im2col, and 2×2 max pooling.
 *
 * Why not compositions of tf ops, as before: on the wasm backend a Slice of rank 5 falls back to
 * a per-element generic path (~0.8 s for one [832, 2, 13, 2, 32] slice; pooling that way made a
 * training step of the mnist cnn take over a second), a rank-4 slice of one channel copies one
 * float per call, GatherV2 checks every index in JS, broadcast comparisons of rank 5 are slow,
 * MaxPoolWithArgmax returns wrong values, Conv2DBackpropFilter is missing and MaxPoolGrad drops
 * gradients with several channels. So im2col and its gradient (col2im) and the pooling gradient
 * are one loop each over typed arrays on the host (on wasm straight on the heap, elsewhere via
 * dataSync), and the pooling forward pass is the backend's MaxPool kernel, which is correct.
 *
 * The gradients are exact (pooling routes each window's gradient to its first maximum in
 * row-major order, as TensorFlow's MaxPoolGrad does) and checked by finite differences and
 * against tf.conv2d/tf.maxPool in gradients.test.ts. They are computed on the host, so they are
 * not themselves differentiable: fine for training, not for second-order methods.
 */

import * as tf from "@tensorflow/tfjs-core";
import { floats } from "../host-data.ts";

type CustomOp = Parameters<typeof tf.customGrad>[0];

/**
 * Rows of 3×3 patches (valid, stride 1): [n, h, w, c] → [n·(h−2)·(w−2), 9c]. Row r is output
 * position (image, y, x) in row-major order; column (3·i + j)·c + channel holds pixel
 * (y + i, x + j), so a [9c, filters] kernel in that layout gives the convolution by one matMul.
 */
export const im2col3x3 = tf.customGrad(((x: tf.Tensor) => {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const oh = h - 2;
  const ow = w - 2;
  if (x.rank !== 4 || oh < 1 || ow < 1) throw new Error(`im2col3x3: need [n, h≥3, w≥3, c], got [${x.shape}]`);
  const src = floats(x);
  const out = new Float32Array(n * oh * ow * 9 * c);
  let o = 0;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let di = 0; di < 3; di++) {
          const row = ((b * h + i + di) * w + j) * c;
          for (let k = 0; k < 3 * c; k++) out[o++] = src[row + k] as number;
        }
  return {
    value: tf.tensor2d(out, [n * oh * ow, 9 * c]),
    gradFunc: (dy: tf.Tensor) => {
      // col2im: every pixel collects the gradient of each patch it appears in.
      const g = floats(dy);
      const dx = new Float32Array(n * h * w * c);
      let p = 0;
      for (let b = 0; b < n; b++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++)
            for (let di = 0; di < 3; di++) {
              const row = ((b * h + i + di) * w + j) * c;
              for (let k = 0; k < 3 * c; k++) dx[row + k] = (dx[row + k] as number) + (g[p++] as number);
            }
      return tf.tensor4d(dx, [n, h, w, c]);
    },
  };
}) as unknown as CustomOp) as (x: tf.Tensor4D) => tf.Tensor2D;

/**
 * 2×2 max pooling, stride 2, valid (an odd last row or column is dropped), as tf.maxPool(x, 2, 2,
 * "valid"): [n, h, w, c] → [n, ⌊h/2⌋, ⌊w/2⌋, c]. The forward pass is the backend's MaxPool
 * kernel (XNNPACK on wasm, correct); the gradient goes to the first maximum of each window in
 * row-major order, as TensorFlow's MaxPoolGrad does (a NaN window sends it to its last corner).
 */
export const maxPool2x2 = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  if (x.rank !== 4) throw new Error(`maxPool2x2: need [n, h, w, c], got [${x.shape}]`);
  const value = tf.maxPool(x as tf.Tensor4D, 2, 2, "valid");
  save([x, value]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [input, pooled] = saved as [tf.Tensor4D, tf.Tensor4D];
      const [n, h, w, c] = input.shape;
      const [, oh, ow] = pooled.shape;
      const src = floats(input);
      const max = floats(pooled);
      const g = floats(dy);
      const dx = new Float32Array(n * h * w * c);
      let o = 0;
      for (let b = 0; b < n; b++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++) {
            const p00 = ((b * h + 2 * i) * w + 2 * j) * c;
            const p01 = p00 + c;
            const p10 = p00 + w * c;
            const p11 = p10 + c;
            for (let k = 0; k < c; k++, o++) {
              // First corner equal to the window's maximum, without branches (about twice as
              // fast as a chain of conditionals on unpredictable data): e0..e3 is one-hot.
              const m = max[o] as number;
              const gk = g[o] as number;
              const e0 = +(src[p00 + k] === m);
              const e1 = +(src[p01 + k] === m) & (e0 ^ 1);
              const e2 = +(src[p10 + k] === m) & ((e0 | e1) ^ 1);
              const e3 = (e0 | e1 | e2) ^ 1;
              dx[p00 + k] = e0 * gk;
              dx[p01 + k] = e1 * gk;
              dx[p10 + k] = e2 * gk;
              dx[p11 + k] = e3 * gk;
            }
          }
      return tf.tensor4d(dx, [n, h, w, c]);
    },
  };
}) as unknown as CustomOp) as (x: tf.Tensor4D) => tf.Tensor4D;
