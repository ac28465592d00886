/**
 * The training loop of episodic strategies (maml, reptile, pretrain-finetune) on a task family.
 * An "epoch" is `iterationsPerEpoch` meta-iterations; after each, the learner is adapted to the
 * held-out meta-val and meta-test tasks and scored (see adapt.ts for the metric names). Honours
 * the TrainHooks contract of runTrial: `shouldStop` between meta-iterations, `onEpoch` after each
 * epoch, a non-finite loss ends the trial as failed, every tensor is disposed.
 */

import type { EpochReport, FinalMetrics, MetricPoint, TaskSpec, TrialConfig, TrialOutcome } from "@mtl/spec";
import { rngStream } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { initBackend } from "../backend.ts";
import type { TrainHooks } from "../train.ts";
import { evaluateFamily } from "./adapt.ts";
import type { NetShape } from "./net.ts";
import { registerSecondOrderGradients } from "./second-order.ts";
import {
  type EpisodicLearner,
  type EpisodicOptions,
  isTaskFamilyModule,
  type LearnerContext,
  type MetaEnv,
  type MetaStrategyModule,
  ownLoop,
  type TaskFamily,
} from "./types.ts";

/** Options of every episodic strategy. */
export const episodicOptions = z
  .object({
    metaBatch: z.number().int().min(1).max(1000).default(25).describe("tasks per meta-iteration (B)"),
    iterationsPerEpoch: z
      .number()
      .int()
      .min(1)
      .max(100000)
      .default(100)
      .describe("meta-iterations between two reports (an epoch of the trial)"),
  })
  .strict();

const YIELD_EVERY_MS = 50;

/** Builds a registered strategy module from an episodic learner. */
export function episodic<S extends z.ZodType<EpisodicOptions>>(spec: {
  name: string;
  description: string;
  options: S;
  createLearner(options: z.output<S>, ctx: LearnerContext): EpisodicLearner;
}): MetaStrategyModule<S> {
  return {
    name: spec.name,
    description: spec.description,
    options: spec.options,
    create: () => ownLoop(spec.name),
    run: (config, options, hooks, env) =>
      runEpisodic(config, options, hooks, env, (ctx) => spec.createLearner(options, ctx)),
  };
}

/** Checks that the trial's single task fits the family, and returns it. */
export function familyTask(config: TrialConfig, family: TaskFamily): TaskSpec {
  const [task, ...rest] = config.tasks;
  if (!task || rest.length > 0)
    throw new Error(
      `strategy "${config.strategy.name}" trains one task family: expected one task, got ${config.tasks.length}`,
    );
  const expected =
    family.kind === "regression"
      ? { loss: "mse", metric: "mse" }
      : { loss: "cross-entropy", metric: "accuracy" };
  if (task.kind !== family.kind || task.loss !== expected.loss || task.metric !== expected.metric)
    throw new Error(
      `task "${task.name}": dataset "${config.dataset.name}" is a ${family.kind} family; expected kind "${family.kind}", ` +
        `loss "${expected.loss}" and metric "${expected.metric}"`,
    );
  return task;
}

async function runEpisodic(
  config: TrialConfig,
  options: EpisodicOptions,
  hooks: TrainHooks,
  env: MetaEnv,
  createLearner: (ctx: LearnerContext) => EpisodicLearner,
): Promise<TrialOutcome> {
  const backend = await initBackend(hooks.backend ?? config.backend);
  registerSecondOrderGradients();
  const { item, options: dataOptions } = env.datasets.resolve(config.dataset.name, config.dataset.options);
  if (!isTaskFamilyModule(item))
    throw new Error(
      `strategy "${config.strategy.name}" needs a task family as its dataset (sinusoid, few-shot-mnist); "${item.name}" is not one`,
    );
  if (config.model.trunk !== "mlp")
    throw new Error(
      `strategy "${config.strategy.name}" trains an MLP: expected model.trunk "mlp", got "${config.model.trunk}"`,
    );
  const family = item.family(dataOptions, { seed: config.dataset.seed });
  const task = familyTask(config, family);
  const net: NetShape = {
    input: family.features,
    hidden: config.model.hidden,
    output: family.outputs,
    activation: config.model.activation,
  };
  const epochs = config.training.epochs;
  const tensorsBefore = tf.memory().numTensors;
  const learner = createLearner({
    family,
    net,
    training: config.training,
    rng: rngStream("trial", config.seed).fork("meta"),
    totalIterations: epochs * options.iterationsPerEpoch,
  });
  let final: FinalMetrics | undefined;
  const stopped = (status: TrialOutcome["status"], epoch: number, error?: string): TrialOutcome => ({
    status,
    epochs: epoch - 1,
    backend,
    ...(final ? { final } : {}),
    ...(error ? { error } : {}),
  });
  try {
    let iteration = 0;
    let lastYield = performance.now();
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const started = performance.now();
      let lossSum = 0;
      for (let i = 0; i < options.iterationsPerEpoch; i++, iteration++) {
        const stop = hooks.shouldStop?.() ?? null;
        if (stop) return stopped(stop, epoch);
        const loss = learner.step(iteration);
        if (!Number.isFinite(loss))
          return stopped(
            "failed",
            epoch,
            `non-finite meta-training loss in task ${task.name} at epoch ${epoch}`,
          );
        lossSum += loss;
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await new Promise<void>((r) => setImmediate(r));
          lastYield = performance.now();
        }
      }
      const trainLoss = lossSum / options.iterationsPerEpoch;
      const metrics: MetricPoint[] = [{ task: task.name, split: "train", name: "loss", value: trainLoss }];
      if (family.kind === "regression")
        metrics.push({ task: task.name, split: "train", name: "mse", value: trainLoss });
      for (const split of ["val", "test"] as const)
        metrics.push(
          ...evaluateFamily(family, split, learner.adaptFrom(), learner.adaptRule(), net, task.name),
        );
      const bad = metrics.find((m) => !Number.isFinite(m.value));
      if (bad)
        return stopped(
          "failed",
          epoch,
          `non-finite ${bad.split} ${bad.name} of task ${task.name} at epoch ${epoch}`,
        );
      final = toFinal(metrics);
      const report: EpochReport = {
        epoch,
        metrics,
        weights: { [task.name]: 1 },
        wallMs: performance.now() - started,
      };
      await hooks.onEpoch?.(report);
      lastYield = performance.now();
    }
    return { status: "completed", epochs, backend, ...(final ? { final } : {}) };
  } finally {
    learner.dispose();
    const leaked = tf.memory().numTensors - tensorsBefore;
    if (leaked > 0 && process.env.MTL_DEBUG_LEAKS)
      console.warn(`${config.strategy.name}: ${leaked} tensors leaked`);
  }
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
