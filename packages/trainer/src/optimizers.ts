/** Optimisers of TrainingSpec. */

import type { TrainingSpec } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";

export function createOptimizer(spec: Pick<TrainingSpec, "optimizer" | "learningRate">): tf.Optimizer {
  const lr = spec.learningRate;
  switch (spec.optimizer) {
    case "adam":
      return tf.train.adam(lr);
    case "sgd":
      return tf.train.sgd(lr);
    case "momentum":
      return tf.train.momentum(lr, 0.9);
    case "rmsprop":
      return tf.train.rmsprop(lr);
  }
}

/**
 * Weight decay as an L2 term in the gradient, g ← g + wd·θ (PyTorch's `weight_decay`; for Adam
 * that is L2-regularised Adam, not AdamW). Biases are decayed too, as PyTorch does by default.
 */
export function addWeightDecay(
  grads: tf.NamedTensorMap,
  vars: Map<string, tf.Variable>,
  wd: number,
): tf.NamedTensorMap {
  if (wd <= 0) return grads;
  const out: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) {
    const v = vars.get(name);
    out[name] = v ? tf.add(g, tf.mul(v, wd)) : g;
    if (v) g.dispose();
  }
  return out;
}
