/**
 * runTrial: trains one configuration and reports per-epoch metrics. Runs inside a worker thread,
 * so it keeps no state between trials beyond the tf backend and a small dataset cache, disposes
 * every tensor it makes, and yields to the event loop between batches so that cancel messages
 * reach `shouldStop` (the epoch loop, loop.ts). Strategies with their own loop (src/meta) get
 * the trial from `ownLoopRunner`.
 */

import { builtinConfig, type TrialConfig } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { batchSampler } from "./batches.ts";
import { openCheckpoint } from "./checkpoint/checkpoint.ts";
import { checkpointSession } from "./checkpoint/session.ts";
import { restoreTrial, savedRng, type TrialParts } from "./checkpoint/trial-state.ts";
import { denseStep } from "./dense-step.ts";
import { evaluate } from "./evaluate.ts";
import { epochsOf, type TrainHooks, type TrainOutcome } from "./hooks.ts";
import { runEpochs } from "./loop.ts";
import { ownLoopRunner } from "./meta/dispatch.ts";
import { allVariables, type Model } from "./models/types.ts";
import { addWeightDecay, createOptimizer, isFusedOptimizer } from "./optimizers.ts";
import { architectures, strategies } from "./registries.ts";
import type { GradientStrategy, LossStrategy, Strategy } from "./strategies/types.ts";
import { type BoundTask, taskLoss } from "./tasks.ts";
import { prepareTrial } from "./trial-data.ts";

export type { TrainHooks };

/**
 * Trains `config` and reports each epoch to `hooks`; with `hooks.resume`, from a checkpoint (a
 * checkpoint of another trial rejects with CheckpointError before any work).
 */
export async function runTrial(trial: TrialConfig, hooks: TrainHooks = {}): Promise<TrainOutcome> {
  // A program's trial never reaches here: a worker runs it with the program runner.
  const config = builtinConfig(trial);
  // Meta-learning, transfer and distillation strategies run their own loop (src/meta).
  const ownLoop = ownLoopRunner(config);
  if (ownLoop) return ownLoop(config, hooks);
  // Resolve everything named in the config first: unknown names and bad options reject here.
  const arch = architectures.resolve(config.model.architecture, config.model.options);
  const strat = strategies.resolve(config.strategy.name, config.strategy.options);
  const resumed = hooks.resume ? openCheckpoint(hooks.resume, config) : undefined;
  const prepared = await prepareTrial(config, hooks);
  const { tasks, splits } = prepared;
  const names = tasks.map((t) => t.spec.name);
  const tensorsBefore = tf.memory().numTensors;
  const disposables: { dispose(): void }[] = [prepared];
  try {
    const model = arch.item.build(config.model, arch.options, {
      inputShape: prepared.data.inputShape,
      outputs: tasks.map((t) => t.units),
      rng: prepared.rng.fork("init"),
    });
    disposables.push(...allVariables(model));
    // Forked either way, so that the trial's stream is where an uninterrupted trial's is.
    const freshStrategyRng = prepared.rng.fork("strategy");
    const strategyRng = resumed ? savedRng(resumed, "strategy") : freshStrategyRng;
    const strategy = strat.item.create(strat.options, {
      tasks: names,
      initialWeights: names.map((n) => config.weights?.[n] ?? 1),
      rng: strategyRng,
    });
    disposables.push({ dispose: () => strategy.dispose?.() });
    if (strategy.kind === "gradients" && strategy.wrt === "representation" && !model.split)
      throw new Error(
        `strategy "${config.strategy.name}" needs one shared representation; architecture "${config.model.architecture}" has none`,
      );
    const optimizer = createOptimizer(config.training);
    disposables.push(optimizer);
    const parts: TrialParts = {
      parameters: [...allVariables(model), ...((strategy.kind === "loss" && strategy.variables) || [])],
      optimizers: [{ optimizer, rule: config.training.optimizer }],
      rngs: () => ({ "data order": prepared.dataOrder, strategy: strategyRng }),
      strategy,
    };
    if (resumed) {
      prepared.dataOrder = savedRng(resumed, "data order");
      await restoreTrial(resumed, parts);
    }
    const step = makeStep(model, strategy, tasks, optimizer, config.training.weightDecay);
    const n = splits.train.n;
    const batch = Math.min(config.training.batchSize, n);
    const sampler = batchSampler(prepared.data.train, tasks, batch);
    const weightSums = new Float64Array(tasks.length);
    let order: Int32Array = new Int32Array(0);
    const forward = (x: tf.Tensor) => model.forward(x);
    return await runEpochs({
      epochs: epochsOf(config.training.epochs, hooks),
      backend: prepared.backend,
      tasks: names,
      hooks,
      checkpoints: checkpointSession(
        hooks,
        parts,
        { config, backend: prepared.backend, io: prepared.io },
        allVariables(model),
        resumed,
      ),
      work: {
        begin() {
          order = prepared.dataOrder.permutation(n);
          weightSums.fill(0);
          return Math.ceil(n / batch);
        },
        step(k) {
          const { xb, yb } = sampler.batch(order.subarray(k * batch, Math.min(k * batch + batch, n)));
          let losses: number[];
          try {
            losses = step(xb, yb);
          } finally {
            xb.dispose();
            for (const y of yb) y.dispose();
          }
          const w = strategy.weights();
          for (let i = 0; i < weightSums.length; i++) weightSums[i] = (weightSums[i] as number) + (w[i] ?? 1);
          return losses;
        },
        end(epoch, meanLosses) {
          const steps = Math.ceil(n / batch);
          const weights = Object.fromEntries(
            names.map((name, i) => [name, (weightSums[i] as number) / steps]),
          );
          strategy.afterEpoch?.(meanLosses);
          const inspect = hooks.inspect ? { epoch, hook: hooks.inspect } : undefined;
          const metrics = (["train", "val", "test"] as const).flatMap((split) =>
            evaluate(forward, splits[split], tasks, split, inspect),
          );
          return { metrics, weights };
        },
      },
    });
  } finally {
    for (const d of disposables) d.dispose();
    const leaked = tf.memory().numTensors - tensorsBefore;
    if (leaked > 0 && process.env.MTL_DEBUG_LEAKS) console.warn(`runTrial: ${leaked} tensors leaked`);
  }
}

type Step = (x: tf.Tensor2D, y: tf.Tensor1D[]) => number[];

/** One optimisation step; returns the batch's per-task mean losses. */
export function makeStep(
  model: Model,
  strategy: Strategy,
  tasks: BoundTask[],
  optimizer: tf.Optimizer,
  weightDecay: number,
  /** false: always the gradient tape (tests compare the two). */
  byHand = true,
): Step {
  const byName = new Map<string, tf.Variable>();
  for (const v of allVariables(model)) byName.set(v.name, v);
  const apply = isFusedOptimizer(optimizer)
    ? (grads: tf.NamedTensorMap) => {
        // Weight decay inside the optimizer's single pass (only the model's variables).
        optimizer.applyGradients(grads, weightDecay, (name) => byName.has(name));
        tf.dispose(Object.values(grads));
      }
    : (grads: tf.NamedTensorMap) => {
        const decayed = addWeightDecay(grads, byName, weightDecay);
        optimizer.applyGradients(decayed);
        tf.dispose(Object.values(decayed));
      };
  const losses: TaskLosses = {
    one: (i, output, y) => taskLoss(tasks[i] as BoundTask, output, y),
    all: (outputs, y) => outputs.map((o, i) => taskLoss(tasks[i] as BoundTask, o, y[i] as tf.Tensor1D)),
  };
  const manual = byHand ? denseStep(model, strategy, tasks, losses.all, apply) : null;
  if (manual) return manual;
  return strategy.kind === "loss"
    ? lossStep(model, strategy, losses.all, apply)
    : gradientStep(model, strategy, losses, apply);
}

/**
 * Task losses, each with its own loss function and class count: `one(i, …)` is task i's mean loss
 * of its own output (a per-task pass), `all` every task's of every output.
 */
interface TaskLosses {
  one(i: number, output: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar;
  all(outputs: tf.Tensor2D[], y: tf.Tensor1D[]): tf.Scalar[];
}

function lossStep(
  model: Model,
  strategy: LossStrategy,
  taskLosses: TaskLosses["all"],
  apply: (g: tf.NamedTensorMap) => void,
): Step {
  const vars = [...allVariables(model), ...(strategy.variables ?? [])];
  return (x, y) => {
    strategy.beforeStep?.();
    let perTask: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const losses = taskLosses(model.forward(x), y);
      perTask = tf.keep(tf.stack(losses));
      const total = strategy.combine(losses);
      return model.penalty ? tf.add(total, model.penalty()) : total;
    }, vars);
    const losses = Array.from((perTask as tf.Tensor).dataSync());
    perTask?.dispose();
    value.dispose();
    if (losses.every(Number.isFinite)) apply(grads);
    else tf.dispose(Object.values(grads));
    return losses;
  };
}

/** Per-task gradients of the shared parameters (or representation), combined by the strategy. */
function gradientStep(
  model: Model,
  strategy: GradientStrategy,
  taskLosses: TaskLosses,
  apply: (g: tf.NamedTensorMap) => void,
): Step {
  const T = model.perTask.length;
  const sharedNames = new Set(model.shared.map((v) => v.name));
  const lastNames = model.lastShared.map((v) => v.name);
  return (x, y) => {
    const lossValues: tf.Scalar[] = [];
    const sharedGrads: tf.NamedTensorMap[] = [];
    const ownGrads: tf.NamedTensorMap[] = [];
    let gramT: tf.Tensor | undefined;
    let lastGramT: tf.Tensor | undefined;
    const cleanup: tf.Tensor[] = [];
    try {
      if (strategy.wrt === "representation" && model.split) {
        const split = model.split;
        const z = tf.tidy(() => split.encode(x));
        cleanup.push(z);
        const zGrads = Array.from({ length: T }, (_, i) =>
          tf.tidy(() => {
            const g = tf.grad((zz: tf.Tensor) => {
              const out = split.decode(zz)[i] as tf.Tensor2D;
              return taskLosses.one(i, out, y[i] as tf.Tensor1D);
            })(z);
            return tf.reshape(g, [-1]);
          }),
        );
        cleanup.push(...zGrads);
        gramT = tf.tidy(() => {
          const G = tf.stack(zGrads) as tf.Tensor2D;
          return tf.matMul(G, G, false, true);
        });
      } else {
        for (let i = 0; i < T; i++) {
          const own = model.perTask[i] ?? [];
          const { value, grads } = tf.variableGrads(() => {
            const out = model.forward(x)[i] as tf.Tensor2D;
            return taskLosses.one(i, out, y[i] as tf.Tensor1D);
          }, [...model.shared, ...own]);
          lossValues.push(value);
          const s: tf.NamedTensorMap = {};
          const o: tf.NamedTensorMap = {};
          for (const [name, g] of Object.entries(grads)) (sharedNames.has(name) ? s : o)[name] = g;
          sharedGrads.push(s);
          ownGrads.push(o);
        }
        const gram = (names: string[]) =>
          tf.tidy(() => {
            if (names.length === 0) return tf.zeros([T, T]);
            const G = tf.stack(
              sharedGrads.map((s) =>
                tf.concat(
                  names.map((n) =>
                    s[n] ? tf.reshape(s[n] as tf.Tensor, [-1]) : tf.zeros([sizeOf(model, n)]),
                  ),
                ),
              ),
            ) as tf.Tensor2D;
            return tf.matMul(G, G, false, true);
          });
        gramT = gram([...sharedNames]);
        lastGramT = gram(lastNames);
      }
      const toMatrix = (t: tf.Tensor | undefined) => {
        const v = t ? Array.from(t.dataSync()) : new Array<number>(T * T).fill(0);
        return Array.from({ length: T }, (_, i) => v.slice(i * T, i * T + T));
      };
      const gram = toMatrix(gramT);
      const lastGram = lastGramT ? toMatrix(lastGramT) : gram;

      if (strategy.wrt === "representation") {
        // MGDA-UB: losses come from the passes below, α from the representation gradients.
        let perTask: tf.Tensor | undefined;
        const first = tf.variableGrads(() => {
          const losses = taskLosses.all(model.forward(x), y);
          perTask = tf.keep(tf.stack(losses));
          return tf.addN(losses) as tf.Scalar;
        }, model.perTask.flat());
        const losses = Array.from((perTask as tf.Tensor).dataSync());
        perTask?.dispose();
        first.value.dispose();
        if (!losses.every(Number.isFinite)) {
          tf.dispose(Object.values(first.grads));
          return losses;
        }
        const { shared } = strategy.combine({ gram, lastGram, losses });
        const second = tf.variableGrads(() => {
          const ls = taskLosses.all(model.forward(x), y);
          return tf.addN(ls.map((l, i) => tf.mul(l, shared[i] ?? 0))) as tf.Scalar;
        }, model.shared);
        second.value.dispose();
        apply({ ...first.grads, ...second.grads });
        return losses;
      }

      const stacked = tf.stack(lossValues);
      const losses = Array.from(stacked.dataSync());
      stacked.dispose();
      if (!losses.every(Number.isFinite)) return losses;
      const { shared, heads } = strategy.combine({ gram, lastGram, losses });
      const combined: tf.NamedTensorMap = {};
      for (const name of sharedNames) {
        const parts = sharedGrads.flatMap((s, i) =>
          s[name] ? [tf.mul(s[name] as tf.Tensor, shared[i] ?? 0)] : [],
        );
        if (parts.length > 0) {
          combined[name] = tf.addN(parts);
          tf.dispose(parts);
        }
      }
      ownGrads.forEach((o, i) => {
        for (const [name, g] of Object.entries(o))
          combined[name] = heads ? tf.mul(g, heads[i] ?? 1) : tf.clone(g);
      });
      if (model.penalty) {
        const penalty = model.penalty;
        const extra = tf.variableGrads(() => penalty(), allVariables(model));
        extra.value.dispose();
        for (const [name, g] of Object.entries(extra.grads)) {
          const prev = combined[name];
          combined[name] = prev ? tf.add(prev, g) : tf.clone(g);
          prev?.dispose();
          g.dispose();
        }
      }
      apply(combined);
      return losses;
    } finally {
      tf.dispose(cleanup);
      tf.dispose(lossValues);
      for (const m of [...sharedGrads, ...ownGrads]) tf.dispose(Object.values(m));
      gramT?.dispose();
      lastGramT?.dispose();
    }
  };
}

function sizeOf(model: Model, name: string): number {
  return model.shared.find((v) => v.name === name)?.size ?? 0;
}
