/** The experiment file format: what `defineExperiment` accepts, validated with zod on load. */
import { z } from "zod";
import { Param } from "./space.ts";

export const METRICS = ["accuracy", "f1", "mse", "mae"] as const;
export const LOSSES = ["cross-entropy", "mse", "mae", "huber"] as const;
export const Metric = z.enum(METRICS);
export type Metric = z.infer<typeof Metric>;
export type Direction = "max" | "min";
export const defaultDirection = (m: Metric): Direction => (m === "accuracy" || m === "f1" ? "max" : "min");

/**
 * The direction of any stored metric name, including the trainers' extra ones: `name@k` (a
 * score after k adaptation steps) goes the way of `name`; losses, errors and divergences fall.
 */
export function metricDirection(name: string): Direction {
  const base = name.replace(/@\d+$/, "");
  if (/(^|_)(accuracy|f1)$/.test(base)) return "max";
  if (/(^|_)(loss|mse|mae|kl|error|ms)$/.test(base)) return "min";
  return "max";
}

const name = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9_.-]+$/, "expected letters, digits, '_', '.' or '-'");

export const TaskSpec = z
  .object({
    name,
    /** The dataset output this task learns; defaults to the task's name. */
    target: z.string().optional(),
    kind: z.enum(["classification", "regression"]),
    loss: z.enum(LOSSES).optional(),
    metric: Metric,
    direction: z.enum(["max", "min"]).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const classMetric = t.metric === "accuracy" || t.metric === "f1";
    if (t.kind === "regression" && classMetric)
      ctx.addIssue({
        code: "custom",
        path: ["metric"],
        message: "expected mse or mae for a regression task",
      });
    if (t.kind === "regression" && t.loss === "cross-entropy")
      ctx.addIssue({
        code: "custom",
        path: ["loss"],
        message: "expected mse, mae or huber for a regression task",
      });
    if (t.kind === "classification" && t.loss && t.loss !== "cross-entropy")
      ctx.addIssue({
        code: "custom",
        path: ["loss"],
        message: "expected cross-entropy for a classification task",
      });
  })
  .transform((t) => ({
    ...t,
    target: t.target ?? t.name,
    loss: t.loss ?? (t.kind === "classification" ? "cross-entropy" : "mse"),
    direction: t.direction ?? defaultDirection(t.metric),
  }));
export type TaskSpec = z.output<typeof TaskSpec>;

export const DatasetSpec = z
  .object({
    name: z.string().min(1),
    options: z.record(z.string(), z.unknown()).default({}),
    /** Fractions of the samples held out; the rest trains. */
    split: z
      .object({
        val: z.number().min(0).max(0.5).default(0.15),
        test: z.number().min(0).max(0.5).default(0.15),
      })
      .strict()
      .default({ val: 0.15, test: 0.15 }),
    /** The data are generated from this seed, the same for every trial; trial seeds vary the model. */
    seed: z.number().int().default(0),
  })
  .strict();
export type DatasetSpec = z.output<typeof DatasetSpec>;

export const ModelSpec = z
  .object({
    architecture: z.string().min(1).default("hard-sharing"),
    trunk: z.enum(["mlp", "cnn"]).default("mlp"),
    /** Hidden layer widths of the trunk (MLP) or of each tower. */
    hidden: z.array(z.number().int().positive()).default([64, 64]),
    /** Hidden layer widths of each task head. */
    head: z.array(z.number().int().positive()).default([]),
    activation: z.enum(["relu", "tanh", "gelu"]).default("relu"),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type ModelSpec = z.output<typeof ModelSpec>;

export const StrategyRef = z.union([
  z
    .string()
    .min(1)
    .transform((n) => ({ name: n, options: {} as Record<string, unknown> })),
  z.object({ name: z.string().min(1), options: z.record(z.string(), z.unknown()).default({}) }).strict(),
]);
export type StrategyRef = z.output<typeof StrategyRef>;

export const TrainingSpec = z
  .object({
    epochs: z.number().int().positive().default(10),
    batchSize: z.number().int().positive().default(64),
    optimizer: z.enum(["adam", "sgd", "momentum", "rmsprop"]).default("adam"),
    learningRate: z.number().positive().default(1e-3),
    weightDecay: z.number().min(0).default(0),
  })
  .strict();
export type TrainingSpec = z.output<typeof TrainingSpec>;

export const Objective = z
  .object({
    /** A task name, "mean" (mean over tasks of their shared metric) or "pareto" (one objective per task). */
    task: z.string().default("mean"),
    metric: Metric.optional(),
    split: z.enum(["val", "test", "train"]).default("val"),
    direction: z.enum(["max", "min"]).optional(),
  })
  .strict();
export type Objective = z.output<typeof Objective>;

export const PrunerSpec = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("none") }).strict(),
  z
    .object({
      kind: z.literal("asha"),
      reduction: z.number().min(2).default(3),
      minEpochs: z.number().int().positive().default(1),
      maxEpochs: z.number().int().positive().optional(),
      grace: z.number().int().min(0).default(0),
    })
    .strict(),
  z
    .object({
      kind: z.literal("median"),
      warmupEpochs: z.number().int().min(0).default(1),
      minTrials: z.number().int().positive().default(3),
    })
    .strict(),
]);
export type PrunerSpec = z.output<typeof PrunerSpec>;

export const SweepSpec = z
  .object({
    sampler: z.enum(["grid", "random", "tpe"]).default("grid"),
    /** Upper bound on trials (each seed of a configuration is one trial). */
    maxTrials: z.number().int().positive().optional(),
    /** Trials that may run at once; defaults to the number of workers. */
    parallelism: z.number().int().positive().optional(),
    /** Stop starting new trials after this many seconds. */
    timeLimit: z.number().positive().optional(),
    objective: Objective.default({ task: "mean", split: "val" }),
    pruner: PrunerSpec.default({ kind: "none" }),
    /** Seed of the sampler: the same seed plans the same trials. */
    seed: z.number().int().default(0),
    /** Attempts per trial before it is failed for good (a lost worker costs one attempt). */
    maxAttempts: z.number().int().positive().default(3),
    /** Workers of this pool run the trials: "cpu" or "gpu". */
    pool: z.enum(["cpu", "gpu"]).default("cpu"),
  })
  .strict();
export type SweepSpec = z.output<typeof SweepSpec>;

/**
 * Which trials' kept models (final and best-on-objective weights, or a program's files) stay once
 * the sweep has ended; until then every completed trial's are kept. `"all"`: every completed
 * trial's; `"pareto"`: the trials on the Pareto front of the sweep objective (one objective: the
 * best trial, ties included); `{ top: k }`: the k best trials on the objective; `"none"`: no
 * model is kept, not even while the sweep runs.
 */
export const KeepPolicy = z.union(
  [z.enum(["all", "pareto", "none"]), z.object({ top: z.number().int().positive() }).strict()],
  { error: 'Invalid input "all", "pareto", "none" or { top: k } (k a positive integer)' },
);
export type KeepPolicy = z.output<typeof KeepPolicy>;

/** The retention of kept models when an experiment names none: the objective's best trials. */
export const DEFAULT_KEEP: KeepPolicy = "pareto";

/**
 * How often a trial saves a checkpoint (built-in trials; a program decides for itself): every
 * `every` epochs, or (without `every`) once `everyMs` of training have passed, at most once an
 * epoch; `enabled: false` saves none. It changes no trial's result, so it is no part of the
 * sweep's identity. Absent: the trainer's default (a few seconds of training).
 */
export const CheckpointSpec = z
  .object({
    enabled: z.boolean().default(true),
    every: z.number().int().positive().optional(),
    everyMs: z.number().int().positive().optional(),
    /** Which trials' kept models stay once the sweep has ended (KeepPolicy). @default "pareto" */
    keep: KeepPolicy.optional(),
  })
  .strict();
export type CheckpointSpec = z.output<typeof CheckpointSpec>;

/**
 * A program's name: letters, digits, '_' and '-' only, because it names the queue (a NATS subject
 * token and consumer name) its trials wait in for the workers that registered it.
 */
export const ProgramName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    "expected a program name: letters, digits, '_' or '-' (at most 64)",
  );

/** A user's own training program (`trainer: { program: "NAME" }`), in place of a built-in model. */
export const ProgramRef = z.object({ program: ProgramName }).strict();

/**
 * Commands by program name, for the embedded path (`mtl run` on this machine): `{ NAME: ["python3",
 * "train.py", …] }`, run in the experiment file's folder. Never sent to a worker: a NATS worker runs
 * only the programs it registered itself (`mtl worker --program NAME="…"`).
 */
export const ProgramsMap = z.record(ProgramName, z.array(z.string().min(1)).min(1));

const DEFAULT_MODEL = {
  architecture: "hard-sharing",
  trunk: "mlp",
  hidden: [64, 64],
  head: [],
  activation: "relu",
  options: {},
} as const;

export const ExperimentSpec = z
  .object({
    name,
    description: z.string().optional(),
    /** A program of the user's that trains each trial instead of a built-in model. */
    trainer: ProgramRef.optional(),
    programs: ProgramsMap.optional(),
    /** Built-in trials: the data (with a program, optional: passed to it as `settings.dataset`). */
    dataset: DatasetSpec.optional(),
    tasks: z.array(TaskSpec).min(1),
    /** Built-in trials: the network (default: hard sharing over an MLP trunk); a program gets it as `settings.model`. */
    model: ModelSpec.optional(),
    // The normalised form a stored experiment has (see the transform below) parses again.
    kind: z.enum(["builtin", "program"]).optional(),
    program: ProgramName.optional(),
    strategies: z
      .array(StrategyRef)
      .min(1)
      .default([{ name: "equal", options: {} }]),
    /** Also train one independent model per task, the baseline of every comparison. */
    baselines: z.boolean().default(false),
    space: z.record(z.string(), Param).default({}),
    seeds: z.array(z.number().int()).min(1).default([0]),
    training: TrainingSpec.default({
      epochs: 10,
      batchSize: 64,
      optimizer: "adam",
      learningRate: 1e-3,
      weightDecay: 0,
    }),
    checkpoint: CheckpointSpec.optional(),
    sweep: SweepSpec.default({
      sampler: "grid",
      objective: { task: "mean", split: "val" },
      pruner: { kind: "none" },
      seed: 0,
      maxAttempts: 3,
      pool: "cpu",
    }),
  })
  .strict()
  .superRefine((e, ctx) => {
    const program = e.trainer?.program ?? e.program;
    if (program === undefined && e.dataset === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["dataset"],
        message: "expected a dataset (or trainer: { program } for a program of your own)",
      });
    const names = e.tasks.map((t) => t.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i)
        ctx.addIssue({ code: "custom", path: ["tasks", i, "name"], message: `duplicate task name "${n}"` });
    });
    for (const [key, p] of Object.entries(e.space)) {
      if (p.kind === "simplex") {
        p.tasks.forEach((t, i) => {
          if (!names.includes(t))
            ctx.addIssue({
              code: "custom",
              path: ["space", key, "tasks", i],
              message: `expected one of the task names ${names.join(", ")}`,
            });
        });
        if (p.resolution === undefined && p.samples === undefined)
          ctx.addIssue({ code: "custom", path: ["space", key], message: "expected resolution or samples" });
      }
      if ((p.kind === "uniform" || p.kind === "loguniform" || p.kind === "int") && p.low > p.high)
        ctx.addIssue({ code: "custom", path: ["space", key, "high"], message: "expected high ≥ low" });
    }
    const obj = e.sweep.objective;
    if (obj.task !== "mean" && obj.task !== "pareto" && !names.includes(obj.task))
      ctx.addIssue({
        code: "custom",
        path: ["sweep", "objective", "task"],
        message: `expected "mean", "pareto" or one of ${names.join(", ")}`,
      });
  })
  .transform((e): Experiment => {
    const { trainer, kind: _kind, program: stored, dataset, model, ...common } = e;
    const program = trainer?.program ?? stored;
    // A program may be given a dataset and model too: data it reads (its trials' `settings`).
    if (program !== undefined)
      return {
        ...common,
        kind: "program",
        program,
        ...(dataset ? { dataset } : {}),
        ...(model ? { model } : {}),
      };
    return {
      ...common,
      kind: "builtin",
      dataset: dataset as DatasetSpec,
      model: model ?? ModelSpec.parse(DEFAULT_MODEL),
    };
  });

/** What an experiment file's author writes (defaults not yet applied). */
export type ExperimentInput = z.input<typeof ExperimentSpec>;

/** What every experiment has: tasks, strategies, the search space, seeds, training and the sweep. */
export interface ExperimentCommon {
  name: string;
  description?: string;
  tasks: TaskSpec[];
  strategies: StrategyRef[];
  baselines: boolean;
  space: Record<string, Param>;
  seeds: number[];
  training: TrainingSpec;
  sweep: SweepSpec;
  checkpoint?: CheckpointSpec;
  programs?: Record<string, string[]>;
}

/** An experiment of MTL Lab's own models: a registered dataset and architecture. */
export interface BuiltinExperiment extends ExperimentCommon {
  kind: "builtin";
  dataset: DatasetSpec;
  model: ModelSpec;
}

/** An experiment whose trials a program of the user's trains (`trainer: { program }`). */
export interface ProgramExperiment extends ExperimentCommon {
  kind: "program";
  program: string;
  /** Passed to the program as `settings.dataset` when given: it loads its own data. */
  dataset?: DatasetSpec;
  /** Passed to the program as `settings.model` when given: it builds its own model. */
  model?: ModelSpec;
}

/** A validated experiment with every default filled in. */
export type Experiment = BuiltinExperiment | ProgramExperiment;

/**
 * Declares an experiment. Returns its argument unchanged (typed); `mtl run` validates it on load
 * and reports every problem with its path.
 */
export function defineExperiment<const T extends ExperimentInput>(spec: T): T {
  return spec;
}
