/**
 * `uncertainty` (Kendall, Gal & Cipolla 2018): learn s_i = log σ_i² with the network and minimise
 * L = Σ ½·e^{−s_i}·L_i + ½·s_i. At the optimum e^{−s_i} = 1/L_i, so for Gaussian regression
 * e^{−s_i} tends to 1/σ_i², the inverse noise variance. s_i starts at −0.5 as in LibMTL.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { StrategyImplementation } from "../descriptors.ts";
import { variable } from "../models/layers.ts";
import type { Options } from "./uncertainty.info.ts";

export const implementation: StrategyImplementation<typeof Options> = {
  create(o, ctx) {
    const T = ctx.tasks.length;
    const s = variable(new Float32Array(T).fill(o.init), [T], "uncertainty_s");
    return {
      kind: "loss",
      variables: [s],
      combine(losses) {
        const L = tf.stack(losses);
        return tf.sum(tf.add(tf.mul(tf.mul(0.5, tf.exp(tf.neg(s))), L), tf.mul(0.5, s))) as tf.Scalar;
      },
      // The factor each loss is multiplied by: ½·e^{−s_i}.
      weights: () => Array.from(s.dataSync(), (v) => 0.5 * Math.exp(-v)),
      dispose: () => s.dispose(),
    };
  },
};

/** The learned log-variances s_i (for tests and inspection). */
export function logVariances(strategy: { variables?: tf.Variable[] }): number[] {
  return Array.from(strategy.variables?.[0]?.dataSync() ?? []);
}
