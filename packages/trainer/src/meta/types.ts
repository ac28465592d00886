/** Shapes shared by the meta-learning, transfer and distillation strategies. */

import type { BuiltinTrialConfig, Rng, TrainingSpec } from "@mtl/spec";
import type * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import type { DatasetModule } from "../data/types.ts";
import type { TrainHooks, TrainOutcome } from "../hooks.ts";
import type { ArchitectureModule } from "../models/types.ts";
import type { Registry } from "../registry.ts";
import type { StrategyModule } from "../strategies/types.ts";
import type { NetShape } from "./net.ts";

/** A batch of B tasks, each with a support set (adapt on it) and a query set (score on it). */
export interface Episodes {
  tasks: number;
  /** Features per sample. */
  features: number;
  shots: number;
  queries: number;
  /** [B·shots·features] row-major, task-major. */
  supportX: Float32Array;
  /** [B·shots]: float targets (regression) or labels 0..N−1 (classification). */
  supportY: Float32Array | Int32Array;
  queryX: Float32Array;
  queryY: Float32Array | Int32Array;
}

/** Pooled samples of the meta-training tasks, for the pretrained baseline. */
export interface Pooled {
  n: number;
  x: Float32Array;
  /** Float targets, or labels 0..pooledOutputs−1 (e.g. the digit among the training digits). */
  y: Float32Array | Int32Array;
}

/**
 * A distribution over tasks. Meta-training tasks are drawn from the trial's generator; the
 * held-out meta-val and meta-test tasks are fixed by the dataset seed, so every trial of a sweep
 * is scored on the same tasks, which it never trained on.
 */
export interface TaskFamily {
  kind: "regression" | "classification";
  features: number;
  /** Output units of a task's model: 1, or N for N-way classification. */
  outputs: number;
  sampleTrain(tasks: number, rng: Rng): Episodes;
  heldOut(split: "val" | "test"): Episodes;
  /** Output units when training on pooled data (the number of meta-training classes, or 1). */
  pooledOutputs: number;
  samplePooled(n: number, rng: Rng): Pooled;
  /** Adaptation steps after which meta-test scores are reported. */
  evalSteps: number[];
  /** The step whose score is the task's plain metric (`mse` / `accuracy`). */
  headlineStep: number;
}

/** A dataset module that is also a task family (its `load` gives the pooled data). */
export interface TaskFamilyModule<S extends z.ZodType = z.ZodType> extends DatasetModule<S> {
  family(options: z.output<S>, ctx: { seed: number }): TaskFamily;
}

export function isTaskFamilyModule(m: DatasetModule): m is TaskFamilyModule {
  return typeof (m as Partial<TaskFamilyModule>).family === "function";
}

/** How a learner's parameters are adapted to a new task at meta-test. */
export interface AdaptRule {
  optimizer: "sgd" | "adam";
  lr: number;
  /** Adapt the head [W_out, b_out] only. */
  headOnly: boolean;
}

export interface LearnerContext {
  family: TaskFamily;
  net: NetShape;
  training: TrainingSpec;
  /**
   * The random stream for `purpose` ("init", "tasks", …), forked from the trial's in the order
   * asked; in a resumed trial, each goes on where the checkpoint left it.
   */
  stream(purpose: string): Rng;
  /** Meta-iterations in the whole trial (epochs × iterationsPerEpoch). */
  totalIterations: number;
}

/** A meta-learner trained on episodes. */
export interface EpisodicLearner {
  /** One meta-iteration; returns the mean meta-training query loss (NaN/∞ fails the trial). */
  step(iteration: number): number;
  /** Unbatched parameters to start adaptation from (the caller disposes nothing). */
  adaptFrom(): tf.Tensor[];
  adaptRule(): AdaptRule;
  /** What a checkpoint saves: its trained tensors and its optimisers (none for reptile). */
  state: {
    parameters: tf.Variable[];
    optimizers: { optimizer: tf.Optimizer; rule: TrainingSpec["optimizer"] }[];
  };
  dispose(): void;
}

/** Options every episodic strategy has. */
export interface EpisodicOptions {
  metaBatch: number;
  iterationsPerEpoch: number;
}

/**
 * A strategy with its own training loop. It is registered with the other strategies (so it is
 * listed, validated and named by trials as they are), and runTrial hands the trial to `run`.
 */
export interface MetaStrategyModule<S extends z.ZodType = z.ZodType> extends StrategyModule<S> {
  run(
    config: BuiltinTrialConfig,
    options: z.output<S>,
    hooks: TrainHooks,
    env: MetaEnv,
  ): Promise<TrainOutcome>;
  /**
   * Whether `run` honours TrainHooks.checkpoint, resume and keep. Without it runTrial refuses
   * `resume` (CheckpointError) and does not hand `run` the checkpoint and keep hooks, rather than
   * let a trial that resumes nothing look resumed.
   */
  checkpoints?: boolean;
}

/** What runTrial hands a strategy with its own loop (passed in, so no module cycle forms). */
export interface MetaEnv {
  datasets: Registry<DatasetModule>;
  architectures: Registry<ArchitectureModule>;
}

export function isMetaStrategy(m: StrategyModule): m is MetaStrategyModule {
  return typeof (m as Partial<MetaStrategyModule>).run === "function";
}

/** StrategyModule.create for strategies that have their own loop. */
export function ownLoop(name: string): never {
  throw new Error(`strategy "${name}" has its own training loop: run it through runTrial`);
}
