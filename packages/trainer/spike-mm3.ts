import * as tf from "@tensorflow/tfjs-core";
import { initBackend, createRng } from "./src/index.ts";
const r = createRng(3);
const vals = Array.from({ length: 32 }, () => Math.round(r.normal() * 100) / 10);
const w = Array.from({ length: 8 }, (_, i) => i + 1);
const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, "valid"), tf.tensor4d(w, [1, 2, 2, 2])));
for (const b of ["wasm", "cpu"]) {
  await initBackend(b);
  console.log(b, Array.from(tf.grad(f)(tf.tensor4d(vals, [1, 4, 4, 2])).dataSync()).join(","));
}
