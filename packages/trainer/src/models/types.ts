import type { ModelSpec, Rng } from "@mtl/spec";
import type * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import type { Registrable } from "../registry.ts";
import type { DenseLayer } from "./layers.ts";

/** A multi-task network over tf variables. Outputs are logits (classification) or values. */
export interface Model {
  /** Parameters used by several tasks: gradient strategies combine per-task gradients of these. */
  shared: tf.Variable[];
  /** Parameters only task i uses (its head, tower, gate); they take that task's own gradient. */
  perTask: tf.Variable[][];
  /** The last shared layer (GradNorm's W); empty when nothing is shared. */
  lastShared: tf.Variable[];
  forward(x: tf.Tensor): tf.Tensor2D[];
  /** A term added to the training loss (soft sharing's λ·Σ‖θ_i − θ̄‖²). */
  penalty?(): tf.Scalar;
  /**
   * When the network is dense layers only: a trunk all tasks share (possibly empty), then one
   * stack per task. A trainer may then backpropagate by hand (dense-step.ts).
   */
  dense?: { trunk: DenseLayer[]; heads: DenseLayer[][] };
  /** One shared representation with task heads on top (hard sharing), for MGDA-UB. */
  split?: { encode(x: tf.Tensor): tf.Tensor; decode(z: tf.Tensor): tf.Tensor2D[] };
}

export interface BuildContext {
  inputShape: number[];
  /** Output units per task: the class count, or 1 for regression. */
  outputs: number[];
  rng: Rng;
}

/** An architecture: register with `registerArchitecture`. */
export interface ArchitectureModule<S extends z.ZodType = z.ZodType> extends Registrable {
  options: S;
  build(spec: ModelSpec, options: z.output<S>, ctx: BuildContext): Model;
}

export function allVariables(m: Model): tf.Variable[] {
  return [...m.shared, ...m.perTask.flat()];
}
