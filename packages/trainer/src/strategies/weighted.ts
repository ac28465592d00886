/** Shared helper: L = Σ λ_i·L_i with λ set in JS. */
import * as tf from "@tensorflow/tfjs-core";

export function weightedSum(losses: tf.Scalar[], weights: number[]): tf.Scalar {
  return tf.addN(losses.map((l, i) => tf.mul(l, weights[i] ?? 1))) as tf.Scalar;
}
