/**
 * What a process knows about the strategies, architectures and datasets it can run, without
 * loading TensorFlow.js: names, descriptions, option schemas and the capabilities that planning
 * and validation need. The trainer package builds the catalog of its registered modules
 * (`@mtl/trainer/catalog`); the scheduler, `mtl run`/`mtl check` validation and `mtl list` read it.
 */
import type { z } from "zod";

interface Described {
  name: string;
  description: string;
  /** The options schema (a strict zod object whose fields carry `.describe()` texts). */
  options: z.ZodType;
}

export interface StrategyInfo extends Described {
  /** How the trainer combines the tasks: weighted losses, combined gradients, or a loop of its own (meta-learning, transfer, distillation). */
  family: "loss" | "gradients" | "meta";
  /**
   * What the task weights λ of a trial mean to it: `fixed` trains with them, `initial` starts
   * from (or scales by) them, `ignored` does not read them. A search over λ applies only to
   * strategies that read them, so `ignored` ones are planned once, not once per λ.
   */
  taskWeights: "fixed" | "initial" | "ignored";
  /** Needs one shared representation (MGDA-UB): architectures without one cannot run it. */
  needsSharedRepresentation?: boolean;
}

export interface ArchitectureInfo extends Described {
  /** False for single-task models (the baseline, logistic regression). */
  multiTask: boolean;
  /** Trunks it can be built with. */
  trunks: readonly ("mlp" | "cnn")[];
  /** Has one representation shared by every task head (MGDA-UB can run on it). */
  sharedRepresentation: boolean;
}

export interface DatasetInfo extends Described {
  /** `multitask`: one dataset, several targets; `family`: tasks drawn from a family (meta-learning). */
  kind: "multitask" | "family";
}

export interface Catalog {
  strategies: ReadonlyMap<string, StrategyInfo>;
  architectures: ReadonlyMap<string, ArchitectureInfo>;
  datasets: ReadonlyMap<string, DatasetInfo>;
}
