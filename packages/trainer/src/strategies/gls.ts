/**
 * `gls`, geometric loss strategy (Chennupati et al. 2019): L = (Π L_i)^{1/T}, computed as
 * exp(mean log L_i). Its gradient weights task i by L/(T·L_i), reported as λ_i.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { StrategyImplementation } from "../descriptors.ts";
import type { Options } from "./gls.info.ts";

export const implementation: StrategyImplementation<typeof Options> = {
  create(_o, ctx) {
    const T = ctx.tasks.length;
    let w = new Array<number>(T).fill(1 / T);
    let last: tf.Tensor | undefined;
    return {
      kind: "loss",
      combine(losses) {
        const L = tf.stack(losses);
        const out = tf.exp(tf.mean(tf.log(tf.maximum(L, 1e-12)))) as tf.Scalar;
        last?.dispose();
        last = tf.keep(tf.div(out, tf.mul(T, L)));
        return out;
      },
      weights() {
        if (last) {
          w = Array.from(last.dataSync());
          last.dispose();
          last = undefined;
        }
        return w;
      },
      dispose: () => last?.dispose(),
    };
  },
};
