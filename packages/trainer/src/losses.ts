/** Per-sample task losses on device; training uses their mean. */

import type { TaskSpec } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";

export type LossName = TaskSpec["loss"];

/**
 * Per-sample loss. `target` holds int32 class indices (classification) or float values
 * (regression); `output` is [N, classes] logits or [N, 1] values.
 */
export function perSampleLoss(
  loss: LossName,
  output: tf.Tensor2D,
  target: tf.Tensor1D,
  classes: number,
): tf.Tensor1D {
  if (loss === "cross-entropy") {
    const logp = tf.logSoftmax(output);
    return tf.neg(tf.sum(tf.mul(tf.oneHot(target, classes), logp), 1)) as tf.Tensor1D;
  }
  const diff = tf.sub(tf.reshape(output, [-1]), target);
  switch (loss) {
    case "mse":
      return tf.square(diff) as tf.Tensor1D;
    case "mae":
      return tf.abs(diff) as tf.Tensor1D;
    case "huber": {
      // δ = 1: ½d² inside, |d| − ½ outside.
      const a = tf.abs(diff);
      const q = tf.minimum(a, 1);
      return tf.add(tf.mul(0.5, tf.square(q)), tf.sub(a, q)) as tf.Tensor1D;
    }
  }
}

export function meanLoss(
  loss: LossName,
  output: tf.Tensor2D,
  target: tf.Tensor1D,
  classes: number,
): tf.Scalar {
  return tf.mean(perSampleLoss(loss, output, target, classes)) as tf.Scalar;
}
