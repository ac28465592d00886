import * as tf from "@tensorflow/tfjs-core";
import type { SplitData, Target } from "./data/types.ts";
import type { BoundTask } from "./tasks.ts";

/**
 * Mini-batches gathered on the host, into buffers reused from batch to batch, then copied to the
 * device as new tensors: one upload per tensor instead of an index tensor and a gather kernel for
 * the inputs and each task's targets (the same values either way).
 */
export function batchSampler(split: SplitData, tasks: BoundTask[], size: number) {
  const d = split.n > 0 ? split.x.length / split.n : 0;
  const x = new Float32Array(size * d);
  const targets = tasks.map((t) => split.targets[t.spec.target] as Target);
  const ys = targets.map((t) =>
    t.kind === "classification" ? new Int32Array(size) : new Float32Array(size),
  );
  return {
    batch(rows: Int32Array): { xb: tf.Tensor2D; yb: tf.Tensor1D[] } {
      const b = rows.length;
      for (let i = 0; i < b; i++) {
        const r = rows[i] as number;
        x.set(split.x.subarray(r * d, r * d + d), i * d);
        targets.forEach((t, k) => {
          (ys[k] as Int32Array | Float32Array)[i] =
            t.kind === "classification" ? (t.labels[r] as number) : (t.values[r] as number);
        });
      }
      return {
        xb: tf.tensor2d(x.subarray(0, b * d), [b, d]),
        yb: ys.map((y) => tf.tensor1d(y.subarray(0, b), y instanceof Int32Array ? "int32" : "float32")),
      };
    },
  };
}
