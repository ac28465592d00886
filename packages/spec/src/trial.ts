/**
 * A trial as it travels to a worker: self-contained data naming registered datasets,
 * architectures and strategies. Nothing in it is executed.
 */
import { z } from "zod";
import { DatasetSpec, ModelSpec, ProgramName, StrategyRef, TaskSpec, TrainingSpec } from "./experiment.ts";
import { shortHash } from "./identity.ts";

const common = {
  experiment: z.string(),
  tasks: z.array(TaskSpec).min(1),
  strategy: StrategyRef,
  training: TrainingSpec,
  /** Task weights λ (fixed strategy, or the starting point of adaptive ones); absent = 1 each. */
  weights: z.record(z.string(), z.number().min(0)).optional(),
  seed: z.number().int(),
  /** The sampled parameters that produced this config, for display and grouping. */
  params: z.record(z.string(), z.unknown()).default({}),
  /** Backend the trial asks for (else the worker's best). */
  backend: z.string().optional(),
};

/** A trial of MTL Lab's own models: a registered dataset and architecture. */
export const BuiltinTrialConfig = z.object({ ...common, dataset: DatasetSpec, model: ModelSpec }).strict();
export type BuiltinTrialConfig = z.output<typeof BuiltinTrialConfig>;

/**
 * A trial a user's program trains: the program is named, never given as a command (a worker runs
 * only programs it registered under that name). Its strategy, weights and params are data for it.
 */
export const ProgramTrialConfig = z
  .object({
    ...common,
    program: ProgramName,
    /**
     * The sampled values that are neither training fields, task weights nor strategy options (a
     * program's model and data settings, e.g. `hidden`): part of the configuration's identity,
     * as a built-in trial's model and dataset are.
     */
    settings: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type ProgramTrialConfig = z.output<typeof ProgramTrialConfig>;

export type TrialConfig = BuiltinTrialConfig | ProgramTrialConfig;

/**
 * A trial config of either kind, told apart by its `program` field. Not a zod union: the errors of
 * the kind a config is meant to be name its fields (`training.epochs: …`), not "invalid input".
 */
export const TrialConfig: z.ZodType<TrialConfig, unknown> = z.unknown().transform((value, ctx) => {
  const schema =
    value !== null && typeof value === "object" && "program" in value
      ? ProgramTrialConfig
      : BuiltinTrialConfig;
  const r = schema.safeParse(value);
  if (r.success) return r.data as TrialConfig;
  for (const issue of r.error.issues) ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]);
  return z.NEVER;
});

/** Whether a trial config is a program's. */
export const isProgramTrial = (config: TrialConfig): config is ProgramTrialConfig => "program" in config;

/** The config of a built-in trial; throws for a program's (which only a program runner may take). */
export function builtinConfig(config: TrialConfig): BuiltinTrialConfig {
  if (isProgramTrial(config))
    throw new Error(`trial of program "${config.program}" is not a trial of a built-in model`);
  return config;
}

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
