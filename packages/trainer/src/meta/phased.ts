/**
 * A training loop in phases over an ordinary multi-task dataset, for strategies that train one
 * model and then another (transfer: pretrain, then fine-tune; distill: teacher, then student).
 * Each phase trains its own variables on its own loss for some epochs; epochs are numbered across
 * phases, and every epoch reports the per-task metrics of the phase's model on train/val/test as
 * runTrial does (`loss`, then `accuracy`/`f1` or `mse`/`mae`). Honours TrainHooks the same way.
 */

import type { EpochReport, FinalMetrics, MetricPoint, TrialConfig, TrialOutcome } from "@mtl/spec";
import { type Rng, rngStream } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../backend.ts";
import type { SplitData, Target } from "../data/types.ts";
import { perSampleLoss } from "../losses.ts";
import { accuracy, macroF1, mae, mse } from "../metrics.ts";
import { type BoundTask, bindTasks } from "../tasks.ts";
import type { TrainHooks } from "../train.ts";
import { toFinal } from "./episodic.ts";
import type { MetaEnv } from "./types.ts";

export type { BoundTask };

export interface DeviceSplit {
  n: number;
  x: tf.Tensor2D;
  y: tf.Tensor1D[];
  host: SplitData;
}

export interface Prepared {
  backend: string;
  inputShape: number[];
  tasks: BoundTask[];
  splits: Record<"train" | "val" | "test", DeviceSplit>;
  rng: Rng;
  dispose(): void;
}

export async function prepare(config: TrialConfig, hooks: TrainHooks, env: MetaEnv): Promise<Prepared> {
  const backend = await initBackend(hooks.backend ?? config.backend);
  const data = await env.loadDataset(config.dataset);
  const tasks = bindTasks(config.tasks, data);
  const device = (s: SplitData): DeviceSplit => ({
    n: s.n,
    host: s,
    x: tf.tensor2d(s.x, [s.n, s.n > 0 ? s.x.length / s.n : 0]),
    y: tasks.map((t) => {
      const target = s.targets[t.spec.target] as Target;
      return target.kind === "classification"
        ? tf.tensor1d(target.labels, "int32")
        : tf.tensor1d(target.values);
    }),
  });
  const splits = { train: device(data.train), val: device(data.val), test: device(data.test) };
  return {
    backend,
    inputShape: data.inputShape,
    tasks,
    splits,
    rng: rngStream("trial", config.seed),
    dispose: () => tf.dispose(Object.values(splits).flatMap((s) => [s.x, ...s.y])),
  };
}

const EVAL_CHUNK = 2048;

/** Model outputs [n, units] per task over a whole split, in chunks (the caller disposes them). */
export function predict(forward: (x: tf.Tensor) => tf.Tensor2D[], split: DeviceSplit): tf.Tensor2D[] {
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

/** runTrial's per-task metrics of a model on one split. */
export function evaluateSplit(
  forward: (x: tf.Tensor) => tf.Tensor2D[],
  split: DeviceSplit,
  tasks: BoundTask[],
  name: "train" | "val" | "test",
): MetricPoint[] {
  if (split.n === 0) return [];
  const outs = predict(forward, split);
  const points: MetricPoint[] = [];
  tasks.forEach((t, i) => {
    const o = outs[i] as tf.Tensor2D;
    const [loss, pred] = tf.tidy(() => [
      tf.mean(perSampleLoss(t.spec.loss, o, split.y[i] as tf.Tensor1D, t.classes)),
      t.classes > 0 ? tf.argMax(o, 1) : tf.reshape(o, [-1]),
    ]);
    const push = (metric: string, value: number) =>
      points.push({ task: t.spec.name, split: name, name: metric, value });
    push("loss", (loss as tf.Tensor).dataSync()[0] as number);
    const target = split.host.targets[t.spec.target] as Target;
    const p = (pred as tf.Tensor).dataSync() as Int32Array | Float32Array;
    if (target.kind === "classification") {
      push("accuracy", accuracy(p, target.labels));
      push("f1", macroF1(p, target.labels, target.classes));
    } else {
      push("mse", mse(p, target.values));
      push("mae", mae(p, target.values));
    }
    tf.dispose([loss as tf.Tensor, pred as tf.Tensor]);
  });
  tf.dispose(outs);
  return points;
}

export interface Phase {
  epochs: number;
  /** Trained variables. */
  variables: tf.Variable[];
  optimizer: tf.Optimizer;
  /** The batch loss and its per-task parts (built inside the gradient tape). */
  loss(x: tf.Tensor2D, y: tf.Tensor1D[], index: tf.Tensor1D): { total: tf.Scalar; perTask: tf.Scalar[] };
  /** The model whose metrics are reported. */
  forward(x: tf.Tensor): tf.Tensor2D[];
  /** Task weights reported for the phase. */
  weights: Record<string, number>;
  /** Extra metrics after each epoch of the phase. */
  extraMetrics?(): MetricPoint[];
  /** Runs once before the phase's first batch. */
  start?(): void;
}

const YIELD_EVERY_MS = 50;

/** Runs phases in order; the returned outcome's `final` is the last epoch's metrics. */
export async function runPhases(
  prepared: Prepared,
  batchSize: number,
  phases: Phase[],
  hooks: TrainHooks,
): Promise<TrialOutcome> {
  const { backend, splits, tasks } = prepared;
  const names = tasks.map((t) => t.spec.name);
  const shuffle = prepared.rng.fork("shuffle");
  const batch = Math.min(batchSize, splits.train.n);
  let final: FinalMetrics | undefined;
  let epoch = 0;
  const end = (status: TrialOutcome["status"], error?: string): TrialOutcome => ({
    status,
    epochs: status === "completed" ? epoch : epoch - 1,
    backend,
    ...(final ? { final } : {}),
    ...(error ? { error } : {}),
  });
  let lastYield = performance.now();
  for (const phase of phases) {
    phase.start?.();
    for (let e = 0; e < phase.epochs; e++) {
      epoch++;
      const started = performance.now();
      const order = shuffle.permutation(splits.train.n);
      for (let from = 0; from < splits.train.n; from += batch) {
        const stop = hooks.shouldStop?.() ?? null;
        if (stop) return end(stop);
        const idx = tf.tensor1d(order.subarray(from, Math.min(from + batch, splits.train.n)), "int32");
        const xb = tf.gather(splits.train.x, idx);
        const yb = splits.train.y.map((y) => tf.gather(y, idx));
        let perTask: tf.Tensor | undefined;
        try {
          const { value, grads } = tf.variableGrads(() => {
            const { total, perTask: parts } = phase.loss(xb, yb, idx);
            perTask = tf.keep(tf.stack(parts));
            return total;
          }, phase.variables);
          const losses = Array.from((perTask as tf.Tensor).dataSync());
          value.dispose();
          const bad = losses.findIndex((l) => !Number.isFinite(l));
          if (bad >= 0) {
            tf.dispose(Object.values(grads));
            return end("failed", `non-finite loss in task ${names[bad]} at epoch ${epoch}`);
          }
          phase.optimizer.applyGradients(grads);
          tf.dispose(Object.values(grads));
        } finally {
          tf.dispose([idx, xb, ...yb, ...(perTask ? [perTask] : [])]);
        }
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await new Promise<void>((r) => setImmediate(r));
          lastYield = performance.now();
        }
      }
      const metrics: MetricPoint[] = [];
      for (const split of ["train", "val", "test"] as const)
        metrics.push(...evaluateSplit(phase.forward, splits[split], tasks, split));
      metrics.push(...(phase.extraMetrics?.() ?? []));
      final = toFinal(metrics);
      const report: EpochReport = {
        epoch,
        metrics,
        weights: phase.weights,
        wallMs: performance.now() - started,
      };
      await hooks.onEpoch?.(report);
      lastYield = performance.now();
    }
  }
  return end("completed");
}
