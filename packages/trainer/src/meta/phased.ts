/**
 * A training loop in phases over an ordinary multi-task dataset, for strategies that train one
 * model and then another (transfer: pretrain, then fine-tune; distill: teacher, then student).
 * Each phase trains its own variables on its own loss for some epochs; epochs are numbered across
 * phases, and every epoch reports the per-task metrics of the phase's model on train/val/test as
 * runTrial does (`loss`, then `accuracy`/`f1` or `mse`/`mae`). Honours TrainHooks the same way.
 */

import type { BuiltinTrialConfig, MetricPoint } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { batchSampler } from "../batches.ts";
import { openCheckpoint } from "../checkpoint/checkpoint.ts";
import { checkpointSession } from "../checkpoint/session.ts";
import { restoreTrial, savedRng, type TrialParts } from "../checkpoint/trial-state.ts";
import { evaluate, type Forward } from "../evaluate.ts";
import { epochsOf, type TrainHooks, type TrainOutcome } from "../hooks.ts";
import { runEpochs } from "../loop.ts";
import type { BoundTask } from "../tasks.ts";
import { type PreparedTrial, prepareTrial } from "../trial-data.ts";

export { predict } from "../evaluate.ts";
export type { BoundTask, PreparedTrial };
export const prepare = (config: BuiltinTrialConfig, hooks: TrainHooks): Promise<PreparedTrial> =>
  prepareTrial(config, hooks);

export interface Phase {
  epochs: number;
  /** Trained variables. */
  variables: tf.Variable[];
  optimizer: tf.Optimizer;
  /** The batch loss and its per-task parts (built inside the gradient tape). */
  loss(x: tf.Tensor2D, y: tf.Tensor1D[], index: tf.Tensor1D): { total: tf.Scalar; perTask: tf.Scalar[] };
  /** The model whose metrics are reported. */
  forward: Forward;
  /** Task weights reported for the phase. */
  weights: Record<string, number>;
  /** Extra metrics after each epoch of the phase. */
  extraMetrics?(): MetricPoint[];
  /** Runs once before the phase's first batch. */
  start?(): void;
}

/** What checkpoints of a phased trial hold (TrainHooks.checkpoint, resume, keep). */
export interface PhasedState {
  config: BuiltinTrialConfig;
  /** Every tensor any phase trains, in a fixed order. */
  parameters: tf.Variable[];
  /** The trial's model (its kept weights): distill's student, transfer's model. */
  model: tf.Variable[];
}

/**
 * Runs phases in order (in a smoke run each for at most the smoke's epochs); the returned
 * outcome's `final` is the last epoch's metrics. Resumes from `hooks.resume` (every phase's
 * tensors and optimiser, the data order; the phase follows from the epoch, and a phase's
 * `start` runs again when a trial resumes inside it).
 */
export async function runPhases(
  prepared: PreparedTrial,
  batchSize: number,
  phases: Phase[],
  hooks: TrainHooks,
  state: PhasedState,
): Promise<TrainOutcome> {
  const resumed = hooks.resume ? openCheckpoint(hooks.resume, state.config) : undefined;
  const parts: TrialParts = {
    parameters: state.parameters,
    optimizers: phases.map((p) => ({ optimizer: p.optimizer, rule: state.config.training.optimizer })),
    rngs: () => ({ "data order": prepared.dataOrder }),
  };
  if (resumed) {
    prepared.dataOrder = savedRng(resumed, "data order");
    await restoreTrial(resumed, parts);
  }
  const { splits, tasks } = prepared;
  const n = splits.train.n;
  const batch = Math.min(batchSize, n);
  const sampler = batchSampler(prepared.data.train, tasks, batch);
  const plan = phases.map((p) => ({ phase: p, epochs: epochsOf(p.epochs, hooks) }));
  const phaseAt = (epoch: number): Phase => {
    let last = 0;
    for (const { phase, epochs } of plan) {
      last += epochs;
      if (epoch <= last) return phase;
    }
    throw new Error(`runPhases: no phase for epoch ${epoch}`);
  };
  let current: Phase | undefined;
  let order: Int32Array = new Int32Array(0);
  return runEpochs({
    epochs: plan.reduce((s, p) => s + p.epochs, 0),
    backend: prepared.backend,
    tasks: tasks.map((t) => t.spec.name),
    hooks,
    checkpoints: checkpointSession(
      hooks,
      parts,
      { config: state.config, backend: prepared.backend, io: prepared.io },
      state.model,
      resumed,
    ),
    work: {
      begin(epoch) {
        const phase = phaseAt(epoch);
        if (phase !== current) {
          current = phase;
          phase.start?.();
        }
        order = prepared.dataOrder.permutation(n);
        return Math.ceil(n / batch);
      },
      step(k) {
        const phase = current as Phase;
        const rows = order.subarray(k * batch, Math.min(k * batch + batch, n));
        const { xb, yb } = sampler.batch(rows);
        const idx = tf.tensor1d(rows, "int32");
        let perTask: tf.Tensor | undefined;
        try {
          const { value, grads } = tf.variableGrads(() => {
            const { total, perTask: parts } = phase.loss(xb, yb, idx);
            perTask = tf.keep(tf.stack(parts));
            return total;
          }, phase.variables);
          const losses = Array.from((perTask as tf.Tensor).dataSync());
          value.dispose();
          // A non-finite loss fails the trial (runEpochs): leave the model as it was.
          if (losses.every(Number.isFinite)) phase.optimizer.applyGradients(grads);
          tf.dispose(Object.values(grads));
          return losses;
        } finally {
          tf.dispose([idx, xb, ...yb, ...(perTask ? [perTask] : [])]);
        }
      },
      end(epoch) {
        const phase = current as Phase;
        const inspect = hooks.inspect ? { epoch, hook: hooks.inspect } : undefined;
        const metrics: MetricPoint[] = (["train", "val", "test"] as const).flatMap((split) =>
          evaluate(phase.forward, splits[split], tasks, split, inspect),
        );
        metrics.push(...(phase.extraMetrics?.() ?? []));
        return { metrics, weights: phase.weights };
      },
    },
  });
}
