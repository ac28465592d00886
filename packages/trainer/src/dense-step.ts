/**
 * A training step that backpropagates by hand, for the most common case of a sweep: a network of
 * dense layers only (a shared trunk, possibly empty, and one stack per task: hard sharing with
 * an mlp trunk, single-task and logistic baselines) trained on a linear weighting of the task
 * losses (equal, fixed, rlw, dwa).
 *
 * Why: with small layers, most of a tape-based step is bookkeeping. tf.variableGrads clones
 * every tensor each op saves for its gradient, filters the tape, and tidies each gradient
 * function; about half of the kernels of a step and most of its short-lived objects came from
 * there, and their garbage collection is what slowed two trainers on neighbouring cores (see
 * `pnpm bench orchestration`). Here the forward pass runs untaped and the backward pass calls
 * the same registered kernels (MtlDense, MtlMeanLoss and their gradients) in reverse order.
 *
 * The gradient is the tape's: dL/dout_i = λ_i·∂L_i/∂out_i, back through each head, summed over
 * the heads at the trunk's output, back through the trunk. dense-step.test.ts trains with both
 * and compares the parameters. Everything else (other architectures and strategies, penalties,
 * other backends) takes the tape.
 */

import * as tf from "@tensorflow/tfjs-core";
import { fast } from "./accel.ts";
import { meanLossBackward } from "./losses.ts";
import { denseBackward, denseOp } from "./models/dense-op.ts";
import type { DenseLayer } from "./models/layers.ts";
import type { Model } from "./models/types.ts";
import type { Strategy } from "./strategies/types.ts";
import type { BoundTask } from "./tasks.ts";

type Step = (x: tf.Tensor2D, y: tf.Tensor1D[]) => number[];

/**
 * The hand-backpropagated step where it applies (see the module comment), else null.
 * `taskLosses` is the trainer's (each task's mean loss of its output).
 */
export function denseStep(
  model: Model,
  strategy: Strategy,
  tasks: BoundTask[],
  taskLosses: (outputs: tf.Tensor2D[], y: tf.Tensor1D[]) => tf.Scalar[],
  apply: (grads: tf.NamedTensorMap) => void,
): Step | null {
  const dense = model.dense;
  if (!dense || model.penalty || strategy.kind !== "loss" || !strategy.linear || strategy.variables?.length)
    return null;
  if (!fast()) return null;
  const { trunk, heads } = dense;

  return (x, y) => {
    strategy.beforeStep?.();
    const weights = strategy.weights();
    const temps: tf.Tensor[] = [];
    const keep = <T extends tf.Tensor>(t: T): T => {
      temps.push(t);
      return t;
    };
    const grads: tf.NamedTensorMap = {};
    let applied = false;
    try {
      // Forward, keeping every layer's input and output.
      const forward = (layers: DenseLayer[], input: tf.Tensor2D) => {
        const acts = [input];
        for (const l of layers)
          acts.push(
            keep(
              denseOp(
                acts[acts.length - 1] as tf.Tensor2D,
                l.W as tf.Tensor2D,
                l.b as tf.Tensor1D,
                l.activation,
              ),
            ),
          );
        return acts;
      };
      const trunkActs = forward(trunk, x);
      const z = trunkActs[trunkActs.length - 1] as tf.Tensor2D;
      const headActs = heads.map((h) => forward(h, z));
      const outs = headActs.map((acts) => acts[acts.length - 1] as tf.Tensor2D);
      const losses = taskLosses(outs, y).map((l) => keep(l).dataSync()[0] as number);
      if (!losses.every(Number.isFinite)) return losses;

      // Backward through `layers` from dL/d(output); the gradient at their input if asked for.
      const backward = (layers: DenseLayer[], acts: tf.Tensor[], dOut: tf.Tensor, withInput: boolean) => {
        let g = dOut;
        for (let k = layers.length - 1; k >= 0; k--) {
          const l = layers[k] as DenseLayer;
          const r = denseBackward(
            g,
            acts[k] as tf.Tensor,
            l.W,
            acts[k + 1] as tf.Tensor,
            l.activation,
            k > 0 || withInput,
          );
          grads[l.W.name] = r.dW;
          grads[l.b.name] = r.db;
          g = r.dx ? keep(r.dx) : g;
        }
        return g;
      };
      const trunkHasInput = trunk.length > 0;
      let dz: tf.Tensor | undefined;
      heads.forEach((h, i) => {
        const scale = keep(tf.scalar(weights[i] ?? 1));
        const loss = (tasks[i] as BoundTask).spec.loss;
        const dOut = keep(meanLossBackward(loss, outs[i] as tf.Tensor2D, y[i] as tf.Tensor1D, scale));
        const dIn = backward(h, headActs[i] as tf.Tensor[], dOut, trunkHasInput);
        if (trunkHasInput) dz = dz ? keep(tf.add(dz, dIn)) : dIn;
      });
      if (trunkHasInput && dz) backward(trunk, trunkActs, dz, false);
      apply(grads);
      applied = true;
      return losses;
    } finally {
      tf.dispose(temps);
      if (!applied) tf.dispose(Object.values(grads));
    }
  };
}
