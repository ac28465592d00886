import type { TaskSpec } from "@mtl/spec";
import type * as tf from "@tensorflow/tfjs-core";
import type { SplitDataset, Target } from "./data/types.ts";
import { meanLoss } from "./losses.ts";

/** A task bound to its dataset output. */
export interface BoundTask {
  spec: TaskSpec;
  /** Output units: classes, or 1 for regression. */
  units: number;
  /** Classes (0 for regression). */
  classes: number;
}

/** Binds each task to the dataset output it learns; a missing or mismatched output is an error. */
export function bindTasks(specs: readonly TaskSpec[], data: SplitDataset): BoundTask[] {
  return specs.map((spec) => {
    const target: Target | undefined = data.train.targets[spec.target];
    if (!target)
      throw new Error(
        `task "${spec.name}": the dataset has no output "${spec.target}" (available: ${Object.keys(data.train.targets).join(", ")})`,
      );
    if (target.kind !== spec.kind)
      throw new Error(
        `task "${spec.name}": output "${spec.target}" is ${target.kind}, but the task is ${spec.kind}`,
      );
    const classes = target.kind === "classification" ? target.classes : 0;
    return { spec, units: Math.max(classes, 1), classes };
  });
}

/** The task's mean loss over a batch: its own loss function and class count on its own output. */
export function taskLoss(task: BoundTask, output: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
  return meanLoss(task.spec.loss, output, y, task.classes);
}
