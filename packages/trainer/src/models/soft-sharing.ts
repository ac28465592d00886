/**
 * Soft parameter sharing (Duong et al. 2015; Ruder 2017 §3): a tower per task, tied by the
 * penalty λ·Σ_i ‖θ_i − θ̄‖², θ̄ the mean over towers of each trunk parameter. Nothing is strictly
 * shared, so gradient-manipulation strategies see no shared parameters here.
 */
import * as tf from "@tensorflow/tfjs-core";
import { applyAll, headBlocks, outSizeOf, trunkBlocks, varsOf } from "./layers.ts";
import type { Options } from "./soft-sharing.info.ts";
import type { ArchitectureModule } from "./types.ts";

export const implementation: Pick<ArchitectureModule<typeof Options>, "build"> = {
  build(spec, o, { inputShape, outputs, rng }) {
    const towers = outputs.map((_, i) => trunkBlocks(spec, inputShape, rng, `tower${i}`));
    const size = outSizeOf(towers[0] ?? [], inputShape);
    const heads = outputs.map((out, i) => headBlocks(spec, size, out, rng, `head${i}`));
    const towerVars = towers.map(varsOf);
    return {
      shared: [],
      perTask: towers.map((t, i) => [...varsOf(t), ...varsOf(heads[i] ?? [])]),
      lastShared: [],
      forward: (x) => towers.map((t, i) => applyAll(heads[i] ?? [], applyAll(t, x)) as never),
      penalty: () =>
        tf.tidy(() => {
          let total: tf.Tensor = tf.scalar(0);
          const count = towerVars[0]?.length ?? 0;
          for (let p = 0; p < count; p++) {
            const group = towerVars.map((vars) => vars[p] as tf.Variable);
            const mean = tf.div(tf.addN(group), group.length);
            for (const v of group) total = tf.add(total, tf.sum(tf.square(tf.sub(v, mean))));
          }
          return tf.mul(total, o.lambda) as tf.Scalar;
        }),
    };
  },
};
