/**
 * Cross-stitch networks (Misra et al. 2016): a tower per task; after each trunk block the task
 * activations are mixed, x̃_k = Σ_j α_kj·x_j, with a learned T×T matrix α per block. α starts at
 * `self` on the diagonal and (1 − self)/(T − 1) elsewhere (the paper's 0.9/0.1 initialisation;
 * LibMTL starts at ones). The α's and the towers are shared; each head is its task's own.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Options } from "./cross-stitch.info.ts";
import { applyAll, headBlocks, outSizeOf, trunkBlocks, variable, varsOf } from "./layers.ts";
import type { ArchitectureModule } from "./types.ts";

export const implementation: Pick<ArchitectureModule<typeof Options>, "build"> = {
  build(spec, o, { inputShape, outputs, rng }) {
    const T = outputs.length;
    const towers = outputs.map((_, i) => trunkBlocks(spec, inputShape, rng, `tower${i}`));
    const depth = towers[0]?.length ?? 0;
    const init = new Float32Array(T * T).map((_, k) =>
      Math.floor(k / T) === k % T ? o.self : T > 1 ? (1 - o.self) / (T - 1) : 0,
    );
    const stitches = Array.from({ length: depth }, (_, b) => variable(init, [T, T], `stitch${b}`));
    const size = outSizeOf(towers[0] ?? [], inputShape);
    const heads = outputs.map((out, i) => headBlocks(spec, size, out, rng, `head${i}`));
    return {
      // Through the stitches every tower feeds every task: towers are shared parameters (a
      // per-task gradient must see them), and only the heads are a task's own.
      shared: [...stitches, ...towers.flatMap(varsOf)],
      perTask: heads.map(varsOf),
      lastShared: stitches.length > 0 ? [stitches[stitches.length - 1] as tf.Variable] : [],
      forward: (x) => {
        let hs: tf.Tensor[] = towers.map(() => x);
        for (let b = 0; b < depth; b++) {
          hs = hs.map((h, k) => (towers[k]![b] as NonNullable<(typeof towers)[number][number]>).apply(h));
          const shape = (hs[0] as tf.Tensor).shape;
          const stacked = tf.reshape(tf.stack(hs), [T, -1]) as tf.Tensor2D;
          const mixed = tf.matMul(stitches[b] as tf.Variable as tf.Tensor2D, stacked);
          hs = tf.unstack(mixed).map((m) => tf.reshape(m, shape));
        }
        return hs.map((h, k) => applyAll(heads[k] ?? [], h) as tf.Tensor2D);
      },
    };
  },
};
