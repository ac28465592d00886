/**
 * A trial as it travels to a worker: self-contained data naming registered datasets,
 * architectures and strategies. Nothing in it is executed.
 */
import { z } from "zod";
import { DatasetSpec, ModelSpec, StrategyRef, TaskSpec, TrainingSpec } from "./experiment.ts";
import { shortHash } from "./identity.ts";

export const TrialConfig = z
  .object({
    experiment: z.string(),
    dataset: DatasetSpec,
    tasks: z.array(TaskSpec).min(1),
    model: ModelSpec,
    strategy: StrategyRef,
    training: TrainingSpec,
    /** Task weights λ (fixed strategy, or the starting point of adaptive ones); absent = 1 each. */
    weights: z.record(z.string(), z.number().min(0)).optional(),
    seed: z.number().int(),
    /** The sampled parameters that produced this config, for display and grouping. */
    params: z.record(z.string(), z.unknown()).default({}),
    /** Backend the trial asks for (else the worker's best). */
    backend: z.string().optional(),
  })
  .strict();
export type TrialConfig = z.output<typeof TrialConfig>;

/** One metric value, as stored: per epoch, task, split and metric name. */
export interface MetricPoint {
  task: string;
  split: "train" | "val" | "test";
  name: string;
  value: number;
}

/** What a trainer reports at the end of each epoch. */
export interface EpochReport {
  epoch: number; // 1-based
  metrics: MetricPoint[];
  /** Task weights λ in force during the epoch. */
  weights: Record<string, number>;
  wallMs: number;
}

/** Final per-task metrics: task → split → metric name → value. */
export type FinalMetrics = Record<string, Record<string, Record<string, number>>>;

export interface TrialOutcome {
  status: "completed" | "failed" | "pruned" | "cancelled";
  final?: FinalMetrics;
  epochs: number;
  backend: string;
  error?: string;
}

/**
 * The id of a configuration: the hash of its config without the seed (and without `params`, which
 * only restate it), so that the seeds of one configuration share it. The one configuration
 * identity: the scheduler plans by it, the store keeps it, comparisons group by it.
 */
export function configKeyOf(config: TrialConfig): string {
  const { seed: _seed, params: _params, ...rest } = config;
  return shortHash(rest);
}
