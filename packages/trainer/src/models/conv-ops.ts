/**
 * The two non-matMul pieces of the `cnn` trunk, as single ops with their own gradients:
 * 3×3 im2col and 2×2 max pooling. Each runs as one loop over a typed array on the host.
 *
 * Why not tf ops: on the wasm backend a Slice of rank 5 falls back to a per-element generic
 * path (~0.8 s for one [832, 2, 13, 2, 32] slice, which made a training step of the mnist cnn
 * take seconds), rank-4 slices of one channel copy one float per call, GatherV2 checks every
 * index in JS, broadcast comparisons of rank 5 are slow, Conv2DBackpropFilter is missing and
 * MaxPoolGrad drops gradients with several channels. The loops below cost about one memory pass
 * each and work the same on every backend (dataSync is a copy out of the wasm heap).
 *
 * The gradients are exact (max pooling routes each window's gradient to its first maximum in
 * row-major order, as TensorFlow's MaxPoolGrad does) and checked by finite differences in
 * gradients.test.ts. They are computed on the host, so they are not themselves differentiable:
 * fine for training, not for second-order methods.
 */

import * as tf from "@tensorflow/tfjs-core";

type CustomOp = Parameters<typeof tf.customGrad>[0];

function floats(t: tf.Tensor): Float32Array {
  if (t.dtype !== "float32") throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  return t.dataSync() as Float32Array;
}

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
 * "valid"): [n, h, w, c] → [n, ⌊h/2⌋, ⌊w/2⌋, c].
 */
export const maxPool2x2 = tf.customGrad(((x: tf.Tensor) => {
  if (x.rank !== 4) throw new Error(`maxPool2x2: need [n, h, w, c], got [${x.shape}]`);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const src = floats(x);
  const out = new Float32Array(n * oh * ow * c);
  const from = new Int32Array(out.length); // flat input index of each window's maximum
  let o = 0;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const p00 = ((b * h + 2 * i) * w + 2 * j) * c;
        const p10 = p00 + w * c;
        for (let k = 0; k < c; k++) {
          // Row-major scan, strict comparison: ties go to the first maximum.
          let at = p00 + k;
          let best = src[at] as number;
          let q = p00 + c + k;
          if ((src[q] as number) > best) {
            best = src[q] as number;
            at = q;
          }
          q = p10 + k;
          if ((src[q] as number) > best) {
            best = src[q] as number;
            at = q;
          }
          q = p10 + c + k;
          if ((src[q] as number) > best) {
            best = src[q] as number;
            at = q;
          }
          out[o] = best;
          from[o++] = at;
        }
      }
  return {
    value: tf.tensor4d(out, [n, oh, ow, c]),
    gradFunc: (dy: tf.Tensor) => {
      const g = floats(dy);
      const dx = new Float32Array(n * h * w * c);
      for (let q = 0; q < from.length; q++) dx[from[q] as number] = g[q] as number;
      return tf.tensor4d(dx, [n, h, w, c]);
    },
  };
}) as unknown as CustomOp) as (x: tf.Tensor4D) => tf.Tensor4D;
