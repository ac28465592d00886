import type { z } from "zod";
import type { Registrable } from "../registry.ts";

export type Target =
  | { kind: "classification"; classes: number; labels: Int32Array; classNames?: string[] }
  | { kind: "regression"; values: Float32Array };

/** A whole dataset in memory, before splitting. Features are row-major, n × size(inputShape). */
export interface Dataset {
  n: number;
  /** Shape of one sample's features: [d] for vectors, [h, w, c] for images. */
  inputShape: number[];
  x: Float32Array;
  /** Outputs a task can learn, by name (TaskSpec.target picks one). */
  targets: Record<string, Target>;
  /** Standardise each feature with the training split's mean and standard deviation. */
  standardize?: boolean;
  /** A fixed split: each sample's split (0 train, 1 val, 2 test), instead of random fractions. */
  assignment?: Uint8Array;
}

/** What a dataset offers a trial, known without loading it (checks, `mtl list`, the CLI). */
export interface DatasetDescription {
  /** `multitask`: targets of one dataset; `family`: tasks drawn from a family (meta-learning). */
  kind: "multitask" | "family";
  /** The outputs a task can target; `classes` where known. */
  outputs: { name: string; kind: "classification" | "regression"; classes?: number }[];
  /** Feature columns used (csv). */
  features?: string[];
  /** Samples, where known without reading them all. */
  samples?: number;
  /** Shape of one sample's features: [d] for vectors, [h, w, c] for images. */
  inputShape?: number[];
}

export interface DatasetContext {
  /** DatasetSpec.seed: the same for every trial of an experiment. */
  seed: number;
  /** Folders files may be read from (TrainHooks.dataDirs); empty: none. */
  dataDirs: readonly string[];
  /** Aborts a file read. */
  signal?: AbortSignal;
}

/**
 * A dataset module. To add one: write `load` (deterministic in `ctx.seed`, no downloads), give
 * its options as a strict zod object with `.describe()` on each field, and `registerDataset` it.
 */
export interface DatasetModule<S extends z.ZodType = z.ZodType> extends Registrable {
  options: S;
  /** @default "multitask" */
  kind?: "multitask" | "family";
  load(options: z.output<S>, ctx: DatasetContext): Dataset | Promise<Dataset>;
  /**
   * Its outputs (and features, samples) from the options, without generating or reading all the
   * data; without it, describing a dataset loads it.
   */
  describe?(
    options: z.output<S>,
    ctx: Omit<DatasetContext, "seed">,
  ): DatasetDescription | Promise<DatasetDescription>;
}

/** One split, ready to train on. */
export interface SplitData {
  n: number;
  x: Float32Array;
  targets: Record<string, Target>;
}

export interface SplitDataset {
  inputShape: number[];
  /** The per-feature mean and std the features were standardised with (training split), if they were. */
  standardization?: { mean: Float64Array; std: Float64Array };
  train: SplitData;
  val: SplitData;
  test: SplitData;
}
