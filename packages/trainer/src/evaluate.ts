/**
 * The one evaluator: every task's loss and metrics on a split, from the model's outputs. The
 * model runs on the device in chunks (to bound memory); losses (the training losses' own
 * formula, lossOnHost) and metrics are computed from its outputs on the host, in one pass.
 * Metric names: `loss`, then `accuracy` and `f1` (classification) or `mse` and `mae`.
 * Non-finite outputs give non-finite metrics: reported, never thrown.
 */
import type { FinalMetrics, MetricPoint } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import type { SplitData, Target } from "./data/types.ts";
import type { TrainHooks } from "./hooks.ts";
import { lossOnHost } from "./losses.ts";
import { accuracy, macroF1, mae, mse } from "./metrics.ts";
import type { BoundTask } from "./tasks.ts";

/** A split on the device: inputs [n, d] and each task's targets. */
export interface DeviceSplit {
  n: number;
  x: tf.Tensor2D;
  y: tf.Tensor1D[];
  host: SplitData;
}

export type Forward = (x: tf.Tensor) => tf.Tensor2D[];

const EVAL_CHUNK = 2048;

/** Model outputs [n, units] per task over a whole split, in chunks (the caller disposes them). */
export function predict(forward: Forward, split: DeviceSplit): tf.Tensor2D[] {
  const parts: tf.Tensor2D[][] = [];
  for (let from = 0; from < split.n; from += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, split.n - from);
    parts.push(tf.tidy(() => forward(tf.slice(split.x, [from, 0], [size, -1]))));
  }
  if (parts.length === 1) return parts[0] as tf.Tensor2D[];
  const tasks = parts[0]?.length ?? 0;
  const out = Array.from(
    { length: tasks },
    (_, i) => tf.concat(parts.map((p) => p[i] as tf.Tensor2D)) as tf.Tensor2D,
  );
  tf.dispose(parts.flat());
  return out;
}

/** Every task's loss and metrics on one split (none for an empty split). */
export function evaluate(
  forward: Forward,
  split: DeviceSplit,
  tasks: BoundTask[],
  name: "train" | "val" | "test",
  inspect?: { epoch: number; hook: NonNullable<TrainHooks["inspect"]> },
): MetricPoint[] {
  if (split.n === 0) return [];
  const lossSum = new Float64Array(tasks.length);
  const preds = tasks.map((t) => (t.classes > 0 ? new Int32Array(split.n) : new Float32Array(split.n)));
  const seen = inspect ? tasks.map((t) => new Float32Array(split.n * t.units)) : undefined;
  for (let from = 0; from < split.n; from += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, split.n - from);
    const outputs = tf.tidy(() => forward(tf.slice(split.x, [from, 0], [size, -1])));
    outputs.forEach((o, i) => {
      const t = tasks[i] as BoundTask;
      const width = o.shape[1];
      const values = o.dataSync() as Float32Array;
      o.dispose();
      seen?.[i]?.set(values, from * width);
      const target = split.host.targets[t.spec.target] as Target;
      const truth = (target.kind === "classification" ? target.labels : target.values).subarray(
        from,
        from + size,
      );
      lossSum[i] =
        (lossSum[i] as number) + size * lossOnHost(t.spec.loss, values, truth, size, width, null, 1);
      predictInto(preds[i] as Int32Array | Float32Array, from, values, size, width, t.classes);
    });
  }
  const points: MetricPoint[] = [];
  tasks.forEach((t, i) => {
    const task = t.spec.name;
    if (inspect && seen)
      inspect.hook({ epoch: inspect.epoch, split: name, task, outputs: seen[i] as Float32Array });
    const target = split.host.targets[t.spec.target] as Target;
    const truth = target.kind === "classification" ? target.labels : target.values;
    const classes = target.kind === "classification" ? target.classes : 0;
    const pred = preds[i] as Int32Array | Float32Array;
    for (const [metric, value] of taskMetrics((lossSum[i] as number) / split.n, pred, truth, classes))
      points.push({ task, split: name, name: metric, value });
  });
  return points;
}

/**
 * Predictions from outputs [n, width] into `pred` at `at`: the arg-max class (`classes` > 0) or
 * the value itself (regression).
 */
export function predictInto(
  pred: Int32Array | Float32Array,
  at: number,
  values: Float32Array,
  n: number,
  width: number,
  classes: number,
): void {
  if (classes === 0) {
    pred.set(values.subarray(0, n), at);
    return;
  }
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < width; c++)
      if ((values[r * width + c] as number) > (values[r * width + best] as number)) best = c;
    pred[at + r] = best;
  }
}

/**
 * A task's metrics by name, from its loss and predictions: `loss`, then `accuracy` and `f1`
 * (`classes` > 0) or `mse` and `mae`. The one place metric names and formulas are given, for
 * the standard evaluator and the meta-test alike.
 */
export function taskMetrics(
  loss: number,
  pred: Int32Array | Float32Array,
  truth: Int32Array | Float32Array,
  classes: number,
): [string, number][] {
  return classes > 0
    ? [
        ["loss", loss],
        ["accuracy", accuracy(pred, truth)],
        ["f1", macroF1(pred, truth, classes)],
      ]
    : [
        ["loss", loss],
        ["mse", mse(pred, truth)],
        ["mae", mae(pred, truth)],
      ];
}

/** task → split → metric, from one epoch's points (the last epoch's are the trial's final). */
export function toFinal(metrics: MetricPoint[]): FinalMetrics {
  const out: FinalMetrics = {};
  for (const m of metrics) {
    const task = out[m.task] ?? {};
    const split = task[m.split] ?? {};
    split[m.name] = m.value;
    task[m.split] = split;
    out[m.task] = task;
  }
  return out;
}
