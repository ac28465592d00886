/**
 * Multi-gate Mixture-of-Experts (Ma et al. 2018): experts f_i (each a trunk), one softmax gate
 * per task, f^k(x) = Σ_i softmax(W_k·x)_i·f_i(x), y_k = h^k(f^k(x)). Experts are shared; each
 * task's gate and head are its own.
 */
import * as tf from "@tensorflow/tfjs-core";
import { applyAll, dense, headBlocks, inputSize, outSizeOf, trunkBlocks, varsOf } from "./layers.ts";
import type { Options } from "./mmoe.info.ts";
import type { ArchitectureModule } from "./types.ts";

export const implementation: Pick<ArchitectureModule<typeof Options>, "build"> = {
  build(spec, o, { inputShape, outputs, rng }) {
    const experts = Array.from({ length: o.experts }, (_, e) =>
      trunkBlocks(spec, inputShape, rng, `expert${e}`),
    );
    const size = outSizeOf(experts[0] ?? [], inputShape);
    const gates = outputs.map((_, k) => dense(inputSize(inputShape), o.experts, rng, null, `gate${k}`));
    const heads = outputs.map((out, k) => headBlocks(spec, size, out, rng, `head${k}`));
    return {
      shared: experts.flatMap(varsOf),
      perTask: outputs.map((_, k) => [...(gates[k]?.vars ?? []), ...varsOf(heads[k] ?? [])]),
      lastShared: experts.flatMap((e) => e[e.length - 1]?.vars ?? []),
      forward: (x) => {
        const flat = tf.reshape(x, [-1, inputSize(inputShape)]);
        const f = tf.stack(
          experts.map((e) => applyAll(e, x)),
          1,
        ); // [N, E, F]
        return gates.map((g, k) => {
          const weights = tf.softmax(g.apply(flat) as tf.Tensor2D); // [N, E]
          const mixed = tf.sum(tf.mul(f, tf.expandDims(weights, 2)), 1);
          return applyAll(heads[k] ?? [], mixed) as tf.Tensor2D;
        });
      },
    };
  },
};
