import type { Rng } from "@mtl/spec";
import type * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import type { Registrable } from "../registry.ts";

export interface StrategyContext {
  tasks: string[];
  /** λ from TrialConfig.weights (1 where absent), in task order. */
  initialWeights: number[];
  /** Seeded from the trial seed, for strategies that draw (rlw, pcgrad's order). */
  rng: Rng;
}

/** Weights the task losses; one backward pass of the combined loss per step. */
export interface LossStrategy {
  kind: "loss";
  /** Trainable variables of the strategy itself (uncertainty's log-variances), trained alongside. */
  variables?: tf.Variable[];
  beforeStep?(): void;
  /**
   * True when combine(losses) is Σ weights()[i]·losses[i] with weights fixed for the step (after
   * beforeStep) and no variables: a trainer may then form the gradient without the tape.
   */
  linear?: boolean;
  /** The loss to minimise, built inside the gradient tape from the per-task mean losses. */
  combine(losses: tf.Scalar[]): tf.Scalar;
  /** The weights λ_i of the last step (for reports). */
  weights(): number[];
  /** Called with the epoch-mean training loss of each task. */
  afterEpoch?(meanLosses: number[]): void;
  /**
   * Its own state between steps as JSON, for checkpoints (dwa's loss history, gradnorm's λ and
   * their Adam moments). Absent: it keeps none beyond `variables` and the draws of `ctx.rng`,
   * which the trainer saves itself. A strategy with such state must have both methods, or a
   * resumed trial continues without it.
   */
  saveState?(): unknown;
  /** Restores what saveState returned (from storage: validate it, throw on a mismatch). */
  loadState?(state: unknown): void;
  dispose?(): void;
}

export interface GradientInput {
  /** Gram matrix of the per-task gradients, M_ij = g_i·g_j, over the shared parameters (or representation). */
  gram: number[][];
  /** Gram matrix over the last shared layer only (GradNorm's W). */
  lastGram: number[][];
  /** This step's task losses. */
  losses: number[];
}

/**
 * Combines per-task gradients of the shared parameters as d = Σ α_i g_i. Every rule here
 * (PCGrad's projections, MGDA's min-norm point, CAGrad, IMTL, Nash-MTL) yields a d in the span
 * of the g_i whose coefficients depend only on the Gram matrix, so strategies are pure functions
 * of small T×T matrices and the trainer forms d on the device.
 */
export interface GradientStrategy {
  kind: "gradients";
  /** MGDA-UB takes gradients with respect to the shared representation instead. @default "parameters" */
  wrt?: "parameters" | "representation";
  /** α for the shared parameters and, optionally, factors for each task's own parameters (else 1). */
  combine(input: GradientInput): { shared: number[]; heads?: number[] };
  weights(): number[];
  afterEpoch?(meanLosses: number[]): void;
  /** As LossStrategy.saveState. */
  saveState?(): unknown;
  /** As LossStrategy.loadState. */
  loadState?(state: unknown): void;
  dispose?(): void;
}

export type Strategy = LossStrategy | GradientStrategy;

/** A strategy module: register with `registerStrategy`. */
export interface StrategyModule<S extends z.ZodType = z.ZodType> extends Registrable {
  options: S;
  create(options: z.output<S>, ctx: StrategyContext): Strategy;
}
