/**
 * `pretrain-finetune`: the baseline of the MAML paper (Finn et al. 2017, §5.1): one network
 * trained on pooled data of all meta-training tasks, L = (1/n) Σ_i ℓ(f_θ(x_i), y_i), with
 * `training.optimizer` and `training.batchSize` points a step; at meta-test it is fine-tuned on
 * each new task's support set by plain gradient steps (whole network, or the head only). For
 * classification families the pretraining head predicts the meta-training classes and is
 * replaced by a zero N-way head before fine-tuning.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { createOptimizer } from "../optimizers.ts";
import { episodic } from "./episodic.ts";
import { expand, forward, initParams, taskLosses, zeroHead } from "./net.ts";
import type { Options } from "./pretrain-finetune.info.ts";
import type { EpisodicLearner, LearnerContext } from "./types.ts";

function createPretrain(o: z.output<Options>, ctx: LearnerContext): EpisodicLearner {
  const { family, net } = ctx;
  const classification = family.kind === "classification";
  const theta = initParams({ ...net, output: family.pooledOutputs }, ctx.stream("init"), "pretrain");
  const optimizer = createOptimizer(ctx.training);
  const dataRng = ctx.stream("tasks");
  let head: tf.Tensor[] | undefined;
  return {
    step() {
      const p = family.samplePooled(ctx.training.batchSize, dataRng);
      const [x, y] = tf.tidy(() => [
        tf.tensor3d(p.x, [1, p.n, family.features]),
        p.y instanceof Int32Array ? tf.tensor2d(p.y, [1, p.n], "int32") : tf.tensor2d(p.y, [1, p.n]),
      ]);
      try {
        const { value, grads } = tf.variableGrads(
          () =>
            tf.mean(
              taskLosses(
                forward(expand(theta, 1), x as tf.Tensor3D, net.activation),
                y as tf.Tensor2D,
                classification ? family.pooledOutputs : 0,
              ),
            ) as tf.Scalar,
          theta,
        );
        const loss = value.dataSync()[0] as number;
        value.dispose();
        if (Number.isFinite(loss)) optimizer.applyGradients(grads);
        tf.dispose(Object.values(grads));
        return loss;
      } finally {
        tf.dispose([x, y] as tf.Tensor[]);
      }
    },
    adaptFrom() {
      if (!classification) return theta;
      head ??= zeroHead(net, family.outputs);
      return [...theta.slice(0, -2), ...head];
    },
    adaptRule: () => ({ optimizer: o.fineTuneOptimizer, lr: o.fineTuneLr, headOnly: o.fineTune === "head" }),
    state: { parameters: theta, optimizers: [{ optimizer, rule: ctx.training.optimizer }] },
    dispose() {
      optimizer.dispose();
      tf.dispose([...theta, ...(head ?? [])]);
    },
  };
}

export const implementation = episodic<typeof Options>("pretrain-finetune", createPretrain);
