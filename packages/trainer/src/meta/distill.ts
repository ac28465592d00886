/**
 * `distill`: knowledge distillation (Hinton, Vinyals & Dean 2015). Phase 1 trains a teacher on
 * every task (one multi-task hard-sharing network, or one network per task); phase 2 trains the
 * student (the trial's model) on, per classification task,
 *
 *   L = (1 − α)·CE(y, s) + α·T²·KL(softmax(t/T) ‖ softmax(s/T))
 *
 * (T² keeps the soft-target gradients on the scale of the hard ones, as the paper says), and per
 * regression task L = (1 − α)·MSE(y, s) + α·MSE(t, s). Student epochs also report, on val and
 * test, `teacher_kl` (the KL term at T) or `teacher_mse`: how far the student is from its teacher.
 */

import type { MetricPoint } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import type { StrategyImplementation } from "../descriptors.ts";
import { allVariables, type Model } from "../models/types.ts";
import { createOptimizer } from "../optimizers.ts";
import { taskLoss } from "../tasks.ts";
import type { Options } from "./distill.info.ts";
import { type BoundTask, type Phase, predict, prepare, runPhases } from "./phased.ts";
import { ownLoop } from "./types.ts";

/** Per-sample KL(softmax(t/T) ‖ softmax(s/T)) of logits [n, c]. */
export function softKl(teacher: tf.Tensor2D, student: tf.Tensor2D, T: number): tf.Tensor1D {
  const logp = tf.logSoftmax(tf.div(teacher, T));
  const logq = tf.logSoftmax(tf.div(student, T));
  return tf.sum(tf.mul(tf.exp(logp), tf.sub(logp, logq)), 1) as tf.Tensor1D;
}

/** The distillation loss of one task: the batch mean of the per-sample terms. */
export function distillLoss(
  b: BoundTask,
  s: tf.Tensor2D,
  y: tf.Tensor1D,
  t: tf.Tensor2D,
  o: z.output<Options>,
): tf.Scalar {
  const hard = taskLoss(b, s, y);
  const soft =
    b.classes > 0
      ? tf.mul(o.temperature ** 2, tf.mean(softKl(t, s, o.temperature)))
      : tf.mean(tf.square(tf.sub(s, t)));
  return tf.add(tf.mul(1 - o.alpha, hard), tf.mul(o.alpha, soft)) as tf.Scalar;
}

export const implementation: StrategyImplementation<typeof Options> = {
  create: () => ownLoop("distill"),
  checkpoints: true,
  async run(config, o, hooks, env) {
    const epochs = config.training.epochs;
    const teacherEpochs = o.teacherEpochs ?? Math.max(1, Math.floor(epochs / 2));
    if (teacherEpochs >= epochs)
      throw new Error(`distill: teacherEpochs (${teacherEpochs}) must be below training.epochs (${epochs})`);
    const prepared = await prepare(config, hooks);
    const { tasks, splits } = prepared;
    const build = (
      architecture: string,
      hidden: number[],
      modelOptions: Record<string, unknown>,
      label: string,
    ): Model => {
      const { item, options } = env.architectures.resolve(architecture, modelOptions);
      return item.build({ ...config.model, architecture, hidden, options: modelOptions }, options, {
        inputShape: prepared.data.inputShape,
        outputs: tasks.map((t) => t.units),
        rng: prepared.rng.fork(label),
      });
    };
    const teacher = build(
      o.teacher === "multi-task" ? "hard-sharing" : "single-task",
      o.teacherHidden ?? config.model.hidden,
      {},
      "teacher",
    );
    const student = build(config.model.architecture, config.model.hidden, config.model.options, "student");
    const optimizers = [createOptimizer(config.training), createOptimizer(config.training)];
    const soft: Partial<Record<"train" | "val" | "test", tf.Tensor2D[]>> = {};
    const weights = Object.fromEntries(tasks.map((t) => [t.spec.name, 1]));
    try {
      const phases: Phase[] = [
        {
          epochs: teacherEpochs,
          variables: allVariables(teacher),
          optimizer: optimizers[0] as tf.Optimizer,
          loss(x, y) {
            const outs = teacher.forward(x);
            const perTask = tasks.map((b, i) => taskLoss(b, outs[i] as tf.Tensor2D, y[i] as tf.Tensor1D));
            return { total: tf.addN(perTask) as tf.Scalar, perTask };
          },
          forward: (x) => teacher.forward(x),
          weights,
        },
        {
          epochs: epochs - teacherEpochs,
          variables: allVariables(student),
          optimizer: optimizers[1] as tf.Optimizer,
          start() {
            for (const split of ["train", "val", "test"] as const)
              soft[split] = predict((x) => teacher.forward(x), splits[split]);
          },
          loss(x, y, index) {
            const outs = student.forward(x);
            const perTask = tasks.map((b, i) => {
              const t = tf.gather((soft.train as tf.Tensor2D[])[i] as tf.Tensor2D, index);
              return distillLoss(b, outs[i] as tf.Tensor2D, y[i] as tf.Tensor1D, t, o);
            });
            return { total: tf.addN(perTask) as tf.Scalar, perTask };
          },
          forward: (x) => student.forward(x),
          weights,
          extraMetrics() {
            const points: MetricPoint[] = [];
            for (const split of ["val", "test"] as const) {
              if (splits[split].n === 0) continue;
              const outs = predict((x) => student.forward(x), splits[split]);
              tasks.forEach((b, i) => {
                const t = (soft[split] as tf.Tensor2D[])[i] as tf.Tensor2D;
                const s = outs[i] as tf.Tensor2D;
                const v = tf.tidy(() =>
                  b.classes > 0 ? tf.mean(softKl(t, s, o.temperature)) : tf.mean(tf.square(tf.sub(s, t))),
                );
                const name = b.classes > 0 ? "teacher_kl" : "teacher_mse";
                points.push({ task: b.spec.name, split, name, value: v.dataSync()[0] as number });
                v.dispose();
              });
              tf.dispose(outs);
            }
            return points;
          },
        },
      ];
      return await runPhases(prepared, config.training.batchSize, phases, hooks, {
        config,
        parameters: [...allVariables(teacher), ...allVariables(student)],
        model: allVariables(student),
      });
    } finally {
      for (const opt of optimizers) opt.dispose();
      tf.dispose([...allVariables(teacher), ...allVariables(student), ...Object.values(soft).flat()]);
      prepared.dispose();
    }
  },
};
