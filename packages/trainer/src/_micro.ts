import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "./backend.ts";
import { im2col3x3, maxPool2x2 } from "./models/conv-ops.ts";
await initBackend("wasm");
const r = (s: number[]) => tf.randomNormal(s);
function t(name: string, f: () => tf.Tensor | tf.Tensor[] | void, n = 30) {
  for (let i = 0; i < 3; i++) tf.dispose(f() ?? []);
  const c0 = process.cpuUsage(); const s = performance.now();
  for (let i = 0; i < n; i++) tf.dispose(f() ?? []);
  const c = process.cpuUsage(c0);
  console.log(name.padEnd(40), ((performance.now() - s) / n).toFixed(2), "ms wall", ((c.user + c.system) / 1000 / n).toFixed(2), "ms cpu");
}
const y = r([64, 26, 26, 32]); const img = r([64, 28, 28, 1]);
const cols = r([43264, 9]), g = r([43264, 32]), K = r([9, 32]);
t("dataSync 1.4M", () => { y.dataSync(); });
t("tensor4d from 1.4M", () => tf.tensor4d(new Float32Array(43264 * 32), [64, 26, 26, 32]));
t("maxPool2x2 fwd", () => maxPool2x2(y as tf.Tensor4D));
t("maxPool2x2 fwd+bwd", () => tf.grad((v: tf.Tensor) => tf.sum(maxPool2x2(v as tf.Tensor4D)))(y));
t("im2col fwd", () => im2col3x3(img as tf.Tensor4D));
t("conv mm [43264,9]x[9,32]", () => tf.matMul(cols, K));
t("conv dK cols^T·g", () => tf.matMul(cols, g, true, false));
t("transpose cols (fast path)", () => tf.matMul(cols, tf.eye(9)));
const x = r([64, 5408]), W = r([5408, 64]), dy = r([64, 64]);
t("mm fwd fresh W", () => { const w2 = tf.add(W, 0); const o = tf.matMul(x, w2); w2.dispose(); return o; });
t("mm dx dy·W^T (transposeB)", () => tf.matMul(dy, W, false, true));
t("mm dW x^T·dy", () => tf.matMul(x, dy, true, false));
t("mm dx via (W·dy^T)^T", () => tf.transpose(tf.matMul(W, dy, false, true)));
