/**
 * The training loop of episodic strategies (maml, reptile, pretrain-finetune) on a task family.
 * An "epoch" is `iterationsPerEpoch` meta-iterations; after each, the learner is adapted to the
 * held-out meta-val and meta-test tasks and scored (see adapt.ts for the metric names). The epoch
 * loop is runEpochs (loop.ts): `shouldStop` between meta-iterations, `onEpoch` after each epoch,
 * a non-finite meta-training loss fails the trial, a non-finite held-out score is reported as
 * it is. Every tensor is disposed.
 */

import { type BuiltinTrialConfig, type MetricPoint, type Rng, rngStream, type TaskSpec } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { initBackend } from "../backend.ts";
import { openCheckpoint } from "../checkpoint/checkpoint.ts";
import { checkpointSession } from "../checkpoint/session.ts";
import { restoreTrial, savedRng, type TrialParts } from "../checkpoint/trial-state.ts";
import type { StrategyImplementation } from "../descriptors.ts";
import { epochsOf, type TrainHooks, type TrainOutcome } from "../hooks.ts";
import { runEpochs } from "../loop.ts";
import { evaluateFamily } from "./adapt.ts";
import { familyTaskRule } from "./episodic-options.ts";
import type { NetShape } from "./net.ts";
import { registerSecondOrderGradients } from "./second-order.ts";
import {
  type EpisodicLearner,
  type EpisodicOptions,
  isTaskFamilyModule,
  type LearnerContext,
  type MetaEnv,
  ownLoop,
  type TaskFamily,
} from "./types.ts";

/** The implementation of an episodic strategy: runTrial hands its trials to runEpisodic. */
export function episodic<S extends z.ZodType<EpisodicOptions>>(
  name: string,
  createLearner: (options: z.output<S>, ctx: LearnerContext) => EpisodicLearner,
): StrategyImplementation<S> {
  return {
    create: () => ownLoop(name),
    run: (config, options, hooks, env) =>
      runEpisodic(config, options, hooks, env, (ctx) => createLearner(options, ctx)),
    checkpoints: true,
  };
}

/** Checks that the trial's single task fits the family, and returns it. */
export function familyTask(config: BuiltinTrialConfig, family: TaskFamily): TaskSpec {
  const [task, ...rest] = config.tasks;
  if (!task || rest.length > 0)
    throw new Error(
      `strategy "${config.strategy.name}" trains one task family: expected one task, got ${config.tasks.length}`,
    );
  const expected = familyTaskRule(family.kind);
  if (task.kind !== family.kind || task.loss !== expected.loss || task.metric !== expected.metric)
    throw new Error(
      `task "${task.name}": dataset "${config.dataset.name}" is a ${family.kind} family; expected kind "${family.kind}", ` +
        `loss "${expected.loss}" and metric "${expected.metric}"`,
    );
  return task;
}

async function runEpisodic(
  config: BuiltinTrialConfig,
  options: EpisodicOptions,
  hooks: TrainHooks,
  env: MetaEnv,
  createLearner: (ctx: LearnerContext) => EpisodicLearner,
): Promise<TrainOutcome> {
  const resumed = hooks.resume ? openCheckpoint(hooks.resume, config) : undefined;
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
  const epochs = epochsOf(config.training.epochs, hooks);
  // A smoke run: one meta-iteration an epoch, and held-out scores on about `samples` points.
  const iterations = hooks.smoke ? 1 : options.iterationsPerEpoch;
  const tensorsBefore = tf.memory().numTensors;
  const meta = rngStream("trial", config.seed).fork("meta");
  const streams: Record<string, Rng> = {};
  const learner = createLearner({
    family,
    net,
    training: config.training,
    stream(purpose) {
      // Forked either way, so the streams asked for later are an uninterrupted trial's.
      const fresh = meta.fork(purpose);
      streams[purpose] = resumed ? savedRng(resumed, purpose) : fresh;
      return streams[purpose];
    },
    totalIterations: epochs * iterations,
  });
  let iteration = 0;
  const parts: TrialParts = {
    ...learner.state,
    rngs: () => streams,
    loop: {
      save: () => ({ iteration }),
      load(state) {
        const i = (state as { iteration?: unknown } | null)?.iteration;
        if (!Number.isInteger(i) || (i as number) < 0)
          throw new Error("episodic loop state: no iteration count");
        iteration = i as number;
      },
    },
  };
  try {
    if (resumed) await restoreTrial(resumed, parts);
    return await runEpochs({
      epochs,
      backend,
      tasks: [task.name],
      hooks,
      // No kept weights: a meta-learned initialisation predicts nothing until it is adapted to a
      // task, so there is no one model to export.
      checkpoints: checkpointSession(
        hooks,
        parts,
        {
          config,
          backend,
          io: {
            inputShape: [family.features],
            outputs: [{ task: task.name, kind: family.kind, units: family.outputs }],
          },
        },
        null,
        resumed,
      ),
      work: {
        begin: () => iterations,
        step: () => [learner.step(iteration++)],
        end(_epoch, [trainLoss]) {
          const metrics: MetricPoint[] = [
            { task: task.name, split: "train", name: "loss", value: trainLoss as number },
          ];
          if (family.kind === "regression")
            metrics.push({ task: task.name, split: "train", name: "mse", value: trainLoss as number });
          for (const split of ["val", "test"] as const)
            metrics.push(
              ...evaluateFamily(
                family,
                split,
                learner.adaptFrom(),
                learner.adaptRule(),
                net,
                task.name,
                hooks.smoke?.samples,
              ),
            );
          return { metrics, weights: { [task.name]: 1 } };
        },
      },
    });
  } finally {
    learner.dispose();
    const leaked = tf.memory().numTensors - tensorsBefore;
    if (leaked > 0 && process.env.MTL_DEBUG_LEAKS)
      console.warn(`${config.strategy.name}: ${leaked} tensors leaked`);
  }
}
