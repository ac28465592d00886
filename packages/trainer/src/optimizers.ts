/**
 * Optimisers of TrainingSpec. Where the accel is active they are `FusedOptimizer`s: one SIMD pass
 * over the wasm heap per variable (@mtl/accel) instead of tfjs's ten-odd ops per variable, with the
 * same arithmetic as tf.train.adam / sgd / momentum / rmsprop (every operation rounded to float32
 * in tfjs's order, weight decay included), so the results agree with tfjs's to float32 rounding.
 * Elsewhere they are tfjs's own.
 */

import type { TrainingSpec } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { fast } from "./accel.ts";

export type OptimizerName = TrainingSpec["optimizer"];

export function createOptimizer(spec: Pick<TrainingSpec, "optimizer" | "learningRate">): tf.Optimizer {
  if (fast()) return new FusedOptimizer(spec.optimizer, spec.learningRate);
  return tfjsOptimizer(spec);
}

/** tfjs's optimiser for the spec, with the hyper-parameters FusedOptimizer mirrors. */
export function tfjsOptimizer(spec: Pick<TrainingSpec, "optimizer" | "learningRate">): tf.Optimizer {
  const lr = spec.learningRate;
  switch (spec.optimizer) {
    case "adam":
      return tf.train.adam(lr, BETA1, BETA2);
    case "sgd":
      return tf.train.sgd(lr);
    case "momentum":
      return tf.train.momentum(lr, MOMENTUM);
    case "rmsprop":
      return tf.train.rmsprop(lr, RHO);
  }
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const MOMENTUM = 0.9;
const RHO = 0.9;
/** tfjs's default epsilon: the backend's float32 epsilon. */
const EPSILON = 1e-7;

/** State arrays per variable: Adam m, v; momentum a; RMSprop ms, mom. */
const SLOTS: Record<OptimizerName, number> = { adam: 2, sgd: 0, momentum: 1, rmsprop: 2 };

const f32 = Math.fround;

/**
 * One host-side update of `theta` (new values returned) and `slots` (in place), with the
 * arithmetic of the SIMD kernels. `s` are the rule's scalars after wd, as passed to them.
 */
function hostUpdate(
  rule: OptimizerName,
  theta: Float32Array,
  grad: Float32Array,
  slots: Float32Array[],
  wd: number,
  s: number[],
): Float32Array {
  const out = new Float32Array(theta.length);
  const w = f32(wd);
  const k = s.map(f32);
  const [m, v] = slots as [Float32Array, Float32Array];
  for (let i = 0; i < theta.length; i++) {
    const t = theta[i] as number;
    const g = wd > 0 ? f32((grad[i] as number) + f32(t * w)) : (grad[i] as number);
    switch (rule) {
      case "adam": {
        const [b1, c1, b2, c2, oa1, oa2, eps, nlr] = k as [
          number,
          number,
          number,
          number,
          number,
          number,
          number,
          number,
        ];
        const mi = f32(f32((m[i] as number) * b1) + f32(g * c1));
        const vi = f32(f32((v[i] as number) * b2) + f32(f32(g * g) * c2));
        m[i] = mi;
        v[i] = vi;
        const step = f32(f32(mi / oa1) / f32(f32(Math.sqrt(f32(vi / oa2))) + eps));
        out[i] = f32(f32(step * nlr) + t);
        break;
      }
      case "sgd":
        out[i] = f32(f32((k[0] as number) * g) + t);
        break;
      case "momentum": {
        const a = f32(f32((m[i] as number) * (k[0] as number)) + g);
        m[i] = a;
        out[i] = f32(f32((k[1] as number) * a) + t);
        break;
      }
      case "rmsprop": {
        const [rho, c, mu, lr, eps] = k as [number, number, number, number, number];
        const ms = f32(f32((m[i] as number) * rho) + f32(f32(g * g) * c));
        const mom = f32(f32((v[i] as number) * mu) + f32(f32(g * lr) / f32(Math.sqrt(f32(ms + eps)))));
        m[i] = ms;
        v[i] = mom;
        out[i] = f32(t - mom);
        break;
      }
    }
  }
  return out;
}

const FUSED = Symbol("FusedOptimizer");

/**
 * Whether `o` is a FusedOptimizer. Not `instanceof`: tf.Optimizer defines Symbol.hasInstance as
 * "has minimize, computeGradients and applyGradients", which every optimiser passes.
 */
export function isFusedOptimizer(o: unknown): o is FusedOptimizer {
  return typeof o === "object" && o !== null && (o as { [FUSED]?: boolean })[FUSED] === true;
}

/**
 * Adam, SGD, momentum or RMSprop with tfjs's hyper-parameters and arithmetic, updating each
 * variable in one pass: on the wasm heap with SIMD where the accel is active, on the host
 * otherwise. State is kept per variable name. `applyGradients(grads, weightDecay, decays)`
 * adds weightDecay·θ to the gradients of the variables `decays` selects first (as
 * addWeightDecay does), inside the same pass.
 */
export class FusedOptimizer extends tf.Optimizer {
  static get className(): string {
    return "MtlFusedOptimizer";
  }
  readonly [FUSED] = true;
  private readonly state = new Map<string, tf.Tensor[]>();
  /** β^t of Adam, as tfjs's float32 accBeta variables (β at the first step). */
  private accBeta1 = f32(BETA1);
  private accBeta2 = f32(BETA2);

  constructor(
    readonly rule: OptimizerName,
    readonly learningRate: number,
  ) {
    super();
  }

  /** The rule's scalars for this step, in the kernels' order (after wd). */
  private scalars(): number[] {
    const lr = this.learningRate;
    switch (this.rule) {
      case "adam":
        return [
          BETA1,
          1 - BETA1,
          BETA2,
          1 - BETA2,
          f32(1 - this.accBeta1),
          f32(1 - this.accBeta2),
          EPSILON,
          -lr,
        ];
      case "sgd":
        return [-lr];
      case "momentum":
        return [MOMENTUM, -lr];
      case "rmsprop":
        return [RHO, 1 - RHO, 0, lr, EPSILON];
    }
  }

  override applyGradients(
    variableGradients: Parameters<tf.Optimizer["applyGradients"]>[0],
    weightDecay = 0,
    decays: (name: string) => boolean = () => true,
  ): void {
    const entries: [string, tf.Tensor][] = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor])
      : Object.entries(variableGradients);
    const scalars = this.scalars();
    const accel = fast();
    for (const [name, grad] of entries) {
      if (grad == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new Error(`optimizer: no variable named ${name}`);
      if (grad.size !== variable.size) throw new Error(`optimizer: gradient of ${name} has the wrong size`);
      let slots = this.state.get(name);
      if (!slots) {
        slots = Array.from({ length: SLOTS[this.rule] }, () => tf.keep(tf.zeros(variable.shape)));
        this.state.set(name, slots);
      }
      const wd = weightDecay > 0 && decays(name) ? weightDecay : 0;
      const next =
        accel && variable.dtype === "float32" && grad.dtype === "float32"
          ? accel.optimizerUpdate(this.rule, variable, grad, slots, wd, scalars)
          : this.hostUpdate(variable, grad, slots, wd, scalars);
      if (next === variable) continue; // updated in place
      variable.assign(next);
      next.dispose();
    }
    if (this.rule === "adam") {
      this.accBeta1 = f32(this.accBeta1 * f32(BETA1));
      this.accBeta2 = f32(this.accBeta2 * f32(BETA2));
    }
    this.incrementIterations();
  }

  private hostUpdate(
    variable: tf.Variable,
    grad: tf.Tensor,
    slots: tf.Tensor[],
    wd: number,
    scalars: number[],
  ): tf.Tensor {
    const arrays = slots.map((s) => Float32Array.from(s.dataSync()));
    const values = hostUpdate(
      this.rule,
      Float32Array.from(variable.dataSync()),
      Float32Array.from(grad.dataSync()),
      arrays,
      wd,
      scalars,
    );
    slots.forEach((s, i) => {
      slots[i] = tf.keep(tf.tensor(arrays[i] as Float32Array, s.shape));
      s.dispose();
    });
    return tf.tensor(values, variable.shape);
  }

  /**
   * Its whole state, for a checkpoint: the step count, Adam's β powers as it holds them, and each
   * variable's slot arrays (by variable name, in the order it first updated them).
   */
  async exportState(): Promise<{
    iterations: number;
    betaPowers: [number, number];
    slots: [string, Float32Array[]][];
  }> {
    const slots: [string, Float32Array[]][] = [];
    for (const [name, tensors] of this.state)
      slots.push([name, await Promise.all(tensors.map(async (t) => Float32Array.from(await t.data())))]);
    return { iterations: this.iterations, betaPowers: [this.accBeta1, this.accBeta2], slots };
  }

  /** Replaces its state by an exported one (variables by their current names). */
  importState(state: {
    iterations: number;
    betaPowers: [number, number];
    slots: [string, Float32Array[]][];
  }): void {
    for (const tensors of this.state.values()) tf.dispose(tensors);
    this.state.clear();
    for (const [name, values] of state.slots) {
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new Error(`optimizer: no variable named ${name}`);
      if (values.length !== SLOTS[this.rule])
        throw new Error(
          `optimizer: ${this.rule} keeps ${SLOTS[this.rule]} slots per variable, not ${values.length}`,
        );
      this.state.set(
        name,
        values.map((v) => tf.keep(tf.tensor(v, variable.shape))),
      );
    }
    [this.accBeta1, this.accBeta2] = state.betaPowers;
    this.iterations_ = state.iterations;
  }

  override dispose(): void {
    for (const slots of this.state.values()) tf.dispose(slots);
    this.state.clear();
    super.dispose();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { rule: this.rule, learningRate: this.learningRate };
  }
}

/**
 * Weight decay as an L2 term in the gradient, g ← g + wd·θ (PyTorch's `weight_decay`; for Adam
 * that is L2-regularised Adam, not AdamW). Biases are decayed too, as PyTorch does by default.
 * A FusedOptimizer does the same inside its update (applyGradients' weightDecay).
 */
export function addWeightDecay(
  grads: tf.NamedTensorMap,
  vars: Map<string, tf.Variable>,
  wd: number,
): tf.NamedTensorMap {
  if (wd <= 0) return grads;
  const out: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) {
    const v = vars.get(name);
    out[name] = v ? tf.tidy(() => tf.add(g, tf.mul(v, wd))) : g;
    if (v) g.dispose();
  }
  return out;
}
