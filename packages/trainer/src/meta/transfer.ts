/**
 * `transfer`: transfer learning by pretraining and fine-tuning (e.g. Yosinski et al. 2014).
 * Phase 1 trains the model on the source tasks, L = Σ_{s ∈ sources} L_s; phase 2 fine-tunes it on
 * the target task alone, L = L_target, updating the whole model (shared parameters and the
 * target's own) or only the target's own parameters (its head). Runs on ordinary multi-task
 * datasets and architectures with shared parameters (hard-sharing, mmoe, …); compare its target
 * metrics with the single-task baseline's.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { StrategyImplementation } from "../descriptors.ts";
import { allVariables } from "../models/types.ts";
import { createOptimizer } from "../optimizers.ts";
import { taskLoss } from "../tasks.ts";
import { type BoundTask, type Phase, prepare, runPhases } from "./phased.ts";
import type { Options } from "./transfer.info.ts";
import { ownLoop } from "./types.ts";

export const implementation: StrategyImplementation<typeof Options> = {
  create: () => ownLoop("transfer"),
  checkpoints: true,
  async run(config, o, hooks, env) {
    const names = config.tasks.map((t) => t.name);
    const target = o.target ?? (names[names.length - 1] as string);
    const t = names.indexOf(target);
    if (t < 0) throw new Error(`transfer: target "${target}" is not a task (${names.join(", ")})`);
    const sources = o.sources ?? names.filter((n) => n !== target);
    for (const s of sources)
      if (!names.includes(s) || s === target)
        throw new Error(`transfer: source "${s}" must be a task other than the target (${names.join(", ")})`);
    if (sources.length === 0) throw new Error("transfer: needs at least one source task besides the target");
    const epochs = config.training.epochs;
    const pre = o.pretrainEpochs ?? Math.max(1, Math.floor(epochs / 2));
    if (pre >= epochs)
      throw new Error(`transfer: pretrainEpochs (${pre}) must be below training.epochs (${epochs})`);

    const prepared = await prepare(config, hooks);
    const { item, options } = env.architectures.resolve(config.model.architecture, config.model.options);
    const model = item.build(config.model, options, {
      inputShape: prepared.data.inputShape,
      outputs: prepared.tasks.map((x) => x.units),
      rng: prepared.rng.fork("init"),
    });
    const optimizers: tf.Optimizer[] = [];
    try {
      if (model.shared.length === 0)
        throw new Error(
          `transfer: architecture "${config.model.architecture}" shares no parameters to transfer`,
        );
      const loss = (tasks: number[]) => (x: tf.Tensor2D, y: tf.Tensor1D[]) => {
        const outs = model.forward(x);
        const perTask = prepared.tasks.map((b: BoundTask, i) =>
          taskLoss(b, outs[i] as tf.Tensor2D, y[i] as tf.Tensor1D),
        );
        return { total: tf.addN(tasks.map((i) => perTask[i] as tf.Scalar)) as tf.Scalar, perTask };
      };
      const weights = (on: string[]) => Object.fromEntries(names.map((n) => [n, on.includes(n) ? 1 : 0]));
      const own = model.perTask[t] ?? [];
      optimizers.push(
        createOptimizer(config.training),
        createOptimizer({ ...config.training, learningRate: o.fineTuneLr ?? config.training.learningRate }),
      );
      const phases: Phase[] = [
        {
          epochs: pre,
          variables: allVariables(model).filter((v) => !own.includes(v)),
          optimizer: optimizers[0] as tf.Optimizer,
          loss: loss(sources.map((s) => names.indexOf(s))),
          forward: (x) => model.forward(x),
          weights: weights(sources),
        },
        {
          epochs: epochs - pre,
          variables: o.fineTune === "whole" ? [...model.shared, ...own] : own,
          optimizer: optimizers[1] as tf.Optimizer,
          loss: loss([t]),
          forward: (x) => model.forward(x),
          weights: weights([target]),
        },
      ];
      return await runPhases(prepared, config.training.batchSize, phases, hooks, {
        config,
        parameters: allVariables(model),
        model: allVariables(model),
      });
    } finally {
      for (const opt of optimizers) opt.dispose();
      tf.dispose(allVariables(model));
      prepared.dispose();
    }
  },
};
