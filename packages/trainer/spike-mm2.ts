import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "./src/index.ts";
await initBackend("wasm");
const a = tf.randomNormal([256, 256]); const b = tf.randomNormal([256, 256]); const x = tf.randomNormal([256, 64]); const d1 = tf.randomNormal([256,1]);
const ones = tf.ones([1, 256]);
function time(name: string, f: () => tf.Tensor) { for (let i=0;i<20;i++) f().dispose(); const t=performance.now(); const n=200; for (let i=0;i<n;i++) { f().dispose(); } console.log(name.padEnd(28), ((performance.now()-t)/n).toFixed(3), "ms"); }
time("plain 256^3", () => tf.matMul(a, b));
time("tA 256^3 (patched)", () => tf.matMul(a, b, true, false));
time("tB 256^3 (patched)", () => tf.matMul(a, b, false, true));
time("transpose 256x256", () => tf.transpose(a));
time("transpose 256x64", () => tf.transpose(x));
time("x[256,64]·W[64,256]", () => tf.matMul(x, tf.transpose(x)));
time("sum axis0 256x256", () => tf.sum(a, 0));
time("ones·a", () => tf.matMul(ones, a));
time("z·w_head [256,256]x[256,1]", () => tf.matMul(a, d1));
time("add 256x256", () => tf.add(a, b));
time("mul scalar 256x256", () => tf.mul(a, 0.5));
