/**
 * An optimiser's state as data, for checkpoints: the step count, Adam's β powers, and each
 * parameter's slot arrays (Adam m, v; momentum's accumulator; RMSprop ms, mom), by the
 * parameter's index in the trial's list. The same shape for a FusedOptimizer and for tfjs's own
 * optimisers (their slots are the same arrays), so a checkpoint taken with the accel resumes
 * without it and back.
 *
 * Why not tfjs's `getWeights`/`setWeights` alone: Adam's `setWeights` recomputes β₁ᵗ as
 * `pow(β₁, t + 1)`, which differs in the last bit from the running product its steps keep, and
 * a resumed trial would drift from one never interrupted. So β powers are saved as the optimiser
 * holds them and written back into its (private) `accBeta1`/`accBeta2` variables.
 */
import * as tf from "@tensorflow/tfjs-core";
import { isFusedOptimizer, type OptimizerName } from "./optimizers.ts";

export interface OptimizerState {
  rule: OptimizerName;
  /** Steps taken. */
  iterations: number;
  /** Adam's β₁ᵗ⁺¹ and β₂ᵗ⁺¹ as float32 values, exactly as held (absent for other rules). */
  betaPowers?: [number, number];
  /**
   * Per parameter the optimiser has updated, in the order it first did (tfjs's optimisers keep
   * their slots by that position): the parameter's index in the trial's list and its slot arrays.
   */
  slots: { parameter: number; values: Float32Array[] }[];
}

/** tfjs's slot names, in its getWeights order (the suffix after `<variable>/`). */
const SLOT_NAMES: Record<OptimizerName, readonly string[]> = {
  adam: ["m", "v"],
  sgd: [],
  momentum: ["momentum"],
  rmsprop: ["rms", "momentum"],
};

/** What tfjs's optimisers' getWeights/setWeights take (tfjs-core does not export the type). */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** tfjs's Adam, as far as its private β powers go. */
interface TfjsAdam {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/** The state of `optimizer` (a `rule` optimiser of createOptimizer) over `parameters`. */
export async function captureOptimizer(
  optimizer: tf.Optimizer,
  rule: OptimizerName,
  parameters: readonly tf.Variable[],
): Promise<OptimizerState> {
  const indexOf = new Map(parameters.map((v, i) => [v.name, i]));
  const parameterOf = (name: string): number => {
    const i = indexOf.get(name);
    if (i === undefined)
      throw new Error(`optimizer state: variable ${name} is not one of the trial's parameters`);
    return i;
  };
  if (isFusedOptimizer(optimizer)) {
    const s = await optimizer.exportState();
    return {
      rule,
      iterations: s.iterations,
      ...(rule === "adam" ? { betaPowers: s.betaPowers } : {}),
      slots: s.slots.map(([name, values]) => ({ parameter: parameterOf(name), values })),
    };
  }
  const [iter, ...weights] = await optimizer.getWeights();
  const iterations = iter ? ((await iter.tensor.data())[0] as number) : 0;
  iter?.tensor.dispose();
  const k = SLOT_NAMES[rule].length;
  const n = k > 0 ? weights.length / k : 0;
  const slots: OptimizerState["slots"] = [];
  for (let i = 0; i < n; i++) {
    const first = weights[i] as NamedTensor;
    const name = first.name.slice(0, first.name.lastIndexOf("/"));
    const values: Float32Array[] = [];
    for (let j = 0; j < k; j++)
      values.push(Float32Array.from(await (weights[j * n + i] as NamedTensor).tensor.data()));
    slots.push({ parameter: parameterOf(name), values });
  }
  let betaPowers: [number, number] | undefined;
  if (rule === "adam") {
    const adam = optimizer as unknown as TfjsAdam;
    betaPowers = [(await adam.accBeta1.data())[0] as number, (await adam.accBeta2.data())[0] as number];
  }
  return { rule, iterations, ...(betaPowers ? { betaPowers } : {}), slots };
}

/**
 * Writes `state` into a fresh `optimizer` of the same rule, for `parameters` (the trial's list,
 * as rebuilt: the same order and shapes; names may differ from the saved trial's).
 */
export async function restoreOptimizer(
  optimizer: tf.Optimizer,
  state: OptimizerState,
  parameters: readonly tf.Variable[],
): Promise<void> {
  const k = SLOT_NAMES[state.rule].length;
  const parameterAt = (i: number): tf.Variable => {
    const v = parameters[i];
    if (!v) throw new Error(`optimizer state: no parameter #${i}`);
    return v;
  };
  for (const s of state.slots)
    if (s.values.length !== k)
      throw new Error(`optimizer state: ${state.rule} keeps ${k} slots, not ${s.values.length}`);
  const betaPowers = state.betaPowers ?? [0, 0];
  if (isFusedOptimizer(optimizer)) {
    optimizer.importState({
      iterations: state.iterations,
      betaPowers,
      slots: state.slots.map((s) => [parameterAt(s.parameter).name, s.values]),
    });
    return;
  }
  const named: NamedTensor[] = [{ name: "iter", tensor: tf.scalar(state.iterations, "int32") }];
  for (let j = 0; j < k; j++)
    for (const s of state.slots) {
      const v = parameterAt(s.parameter);
      named.push({
        name: `${v.name}/${SLOT_NAMES[state.rule][j]}`,
        tensor: tf.tensor(s.values[j] as Float32Array, v.shape),
      });
    }
  try {
    await optimizer.setWeights(named);
  } finally {
    // setWeights makes variables of its own from these.
    tf.dispose(named.map((w) => w.tensor));
  }
  if (state.rule === "adam") {
    const adam = optimizer as unknown as TfjsAdam;
    tf.tidy(() => {
      adam.accBeta1.assign(tf.scalar(betaPowers[0]));
      adam.accBeta2.assign(tf.scalar(betaPowers[1]));
    });
  }
}
