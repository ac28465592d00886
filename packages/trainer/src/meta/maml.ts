/**
 * `maml`: Model-Agnostic Meta-Learning (Finn, Abbeel & Levine 2017).
 *
 *   inner, per task b:  θ'_b = θ − α ∇_θ L_support,b(θ)            (k such steps)
 *   outer:              θ ← OuterOpt(θ, ∇_θ (1/B) Σ_b L_query,b(θ'_b))
 *
 * The outer gradient is (I − α H_b)·∇L_query,b(θ'_b) per step, with H_b the support-loss Hessian.
 * Second-order (default) differentiates through the inner steps with nested tf.grads, which is
 * exact for our nets (see second-order.ts for what that needs). `firstOrder: true` drops the
 * H_b term (FOMAML): the inner steps run outside the tape and the outer gradient is
 * (1/B) Σ_b ∇L_query,b(θ'_b).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { createOptimizer } from "../optimizers.ts";
import { disposeEpisodes, toTensors } from "./adapt.ts";
import { episodic } from "./episodic.ts";
import type { Options as MamlOptions } from "./maml.info.ts";
import { expand, forward, initParams, type Params, summedLoss, taskLosses } from "./net.ts";
import type { EpisodicLearner, LearnerContext } from "./types.ts";

export interface MamlSettings {
  innerSteps: number;
  innerLr: number;
  firstOrder: boolean;
}

/** A meta-learning problem over B tasks whose parameters carry a leading task axis. */
export interface MamlProblem {
  tasks: number;
  /** Σ_b L_support,b at per-task parameters. */
  inner(params: Params): tf.Scalar;
  /** The meta-objective at adapted parameters, e.g. (1/B) Σ_b L_query,b. */
  outer(params: Params): tf.Scalar;
}

/** The MAML meta-gradient ∇_θ outer(θ'(θ)) and the meta-objective's value. */
export function mamlGradients(
  theta: tf.Tensor[],
  problem: MamlProblem,
  s: MamlSettings,
): { loss: number; grads: tf.Tensor[] } {
  const adaptInTape = (params: Params): Params => {
    let p = params;
    for (let k = 0; k < s.innerSteps; k++) {
      const g = tf.grads((...q: tf.Tensor[]) => problem.inner(q))(p);
      p = p.map((v, i) => tf.sub(v, tf.mul(s.innerLr, g[i] as tf.Tensor)));
    }
    return p;
  };
  let result: { value: tf.Scalar; grads: tf.Tensor[] };
  if (!s.firstOrder) {
    result = tf.valueAndGrads((...th: tf.Tensor[]) => problem.outer(adaptInTape(expand(th, problem.tasks))))(
      theta,
    );
  } else {
    // θ'_b − θ, computed with no outer tape recording: a constant to the outer gradient.
    const delta = tf.tidy(() => {
      const start = expand(theta, problem.tasks);
      const adapted = adaptInTape(start);
      return adapted.map((a, i) => tf.sub(a, start[i] as tf.Tensor));
    });
    try {
      result = tf.valueAndGrads((...th: tf.Tensor[]) =>
        problem.outer(expand(th, problem.tasks).map((p, i) => tf.add(p, delta[i] as tf.Tensor))),
      )(theta);
    } finally {
      tf.dispose(delta);
    }
  }
  const loss = result.value.dataSync()[0] as number;
  result.value.dispose();
  return { loss, grads: result.grads };
}

function createMaml(o: z.output<MamlOptions>, ctx: LearnerContext): EpisodicLearner {
  const { family, net } = ctx;
  const theta = initParams(net, ctx.stream("init"), "maml");
  const optimizer = createOptimizer(ctx.training);
  const classes = family.kind === "classification" ? family.outputs : 0;
  const taskRng = ctx.stream("tasks");
  return {
    step() {
      const e = toTensors(family.sampleTrain(o.metaBatch, taskRng));
      try {
        const { loss, grads } = mamlGradients(
          theta,
          {
            tasks: e.tasks,
            inner: (p) => summedLoss(p, e.sx, e.sy, classes, net.activation),
            outer: (p) => tf.mean(taskLosses(forward(p, e.qx, net.activation), e.qy, classes)) as tf.Scalar,
          },
          o,
        );
        if (Number.isFinite(loss))
          optimizer.applyGradients(Object.fromEntries(theta.map((v, i) => [v.name, grads[i] as tf.Tensor])));
        tf.dispose(grads);
        return loss;
      } finally {
        disposeEpisodes(e);
      }
    },
    adaptFrom: () => theta,
    adaptRule: () => ({ optimizer: "sgd", lr: o.evalLr ?? o.innerLr, headOnly: false }),
    state: { parameters: theta, optimizers: [{ optimizer, rule: ctx.training.optimizer }] },
    dispose() {
      optimizer.dispose();
      tf.dispose(theta);
    },
  };
}

export const implementation = (name: string) => episodic<MamlOptions>(name, createMaml);
