/**
 * `reptile` (Nichol, Achiam & Schulman 2018): for each task b of a meta-batch, run k steps of
 * the inner optimiser on its support set from θ to W_b, then
 *
 *   θ ← θ + ε_t · (1/B) Σ_b (W_b − θ),   ε_t = ε·(1 − t/T) (linear decay, as in the paper)
 *
 * No gradient flows through the inner loop; the outer step is this interpolation, so
 * `training.optimizer`/`learningRate` are not used.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { createAdapter, disposeEpisodes, supportGrads, toTensors } from "./adapt.ts";
import { episodic } from "./episodic.ts";
import { expand, forward, initParams, taskLosses } from "./net.ts";
import type { Options } from "./reptile.info.ts";
import type { AdaptRule, EpisodicLearner, LearnerContext } from "./types.ts";

function createReptile(o: z.output<Options>, ctx: LearnerContext): EpisodicLearner {
  const { family, net } = ctx;
  const theta = initParams(net, ctx.stream("init"), "reptile");
  const classes = family.kind === "classification" ? family.outputs : 0;
  const taskRng = ctx.stream("tasks");
  const inner: AdaptRule = { optimizer: o.innerOptimizer, lr: o.innerLr, headOnly: false };
  return {
    step(iteration) {
      const e = toTensors(family.sampleTrain(o.metaBatch, taskRng));
      let W = tf.tidy(() => expand(theta, e.tasks));
      const adapter = createAdapter(inner, W.length);
      try {
        for (let k = 0; k < o.innerSteps; k++) {
          const g = supportGrads(W, e, classes, net);
          W = adapter.step(W, g);
          tf.dispose(g);
        }
        const lossT = tf.tidy(() => tf.mean(taskLosses(forward(W, e.qx, net.activation), e.qy, classes)));
        const loss = lossT.dataSync()[0] as number;
        lossT.dispose();
        if (!Number.isFinite(loss)) return loss;
        const eps = o.decay ? o.outerStepSize * (1 - iteration / ctx.totalIterations) : o.outerStepSize;
        // Inside tidy: assign keeps the new value's data, tidy frees the temporary tensor.
        tf.tidy(() => {
          theta.forEach((v, i) => {
            v.assign(tf.add(v, tf.mul(eps, tf.sub(tf.mean(W[i] as tf.Tensor, 0), v))));
          });
        });
        return loss;
      } finally {
        tf.dispose(W);
        adapter.dispose();
        disposeEpisodes(e);
      }
    },
    adaptFrom: () => theta,
    adaptRule: () => ({ ...inner, lr: o.evalLr ?? o.innerLr }),
    state: { parameters: theta, optimizers: [] },
    dispose: () => tf.dispose(theta),
  };
}

export const implementation = episodic<typeof Options>("reptile", createReptile);
