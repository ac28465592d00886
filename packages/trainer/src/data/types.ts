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
  load(options: z.output<S>, ctx: DatasetContext): Dataset | Promise<Dataset>;
}

/** One split, ready to train on. */
export interface SplitData {
  n: number;
  x: Float32Array;
  targets: Record<string, Target>;
}

export interface SplitDataset {
  inputShape: number[];
  train: SplitData;
  val: SplitData;
  test: SplitData;
}
