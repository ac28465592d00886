/**
 * A running trial's state to and from a checkpoint: the tensors it trains, its optimisers, its
 * random streams, its strategy's own state and its loop's counters. Each loop (runTrial, the
 * phased and episodic loops) names its parts in a TrialParts; the order of `parameters` and
 * `optimizers` is the identity checked on restore (with each parameter's name and shape).
 */
import { type BuiltinTrialConfig, Rng, type RngState } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { paramName } from "../models/layers.ts";
import { captureOptimizer, restoreOptimizer } from "../optimizer-state.ts";
import type { OptimizerName } from "../optimizers.ts";
import { type Checkpoint, CheckpointError, encodeCheckpoint, type ModelIO } from "./checkpoint.ts";

/** What of a trial a checkpoint saves and restores. */
export interface TrialParts {
  /** Every trained tensor (model, then the strategy's own), in a fixed order. */
  parameters: readonly tf.Variable[];
  optimizers: readonly { optimizer: tf.Optimizer; rule: OptimizerName }[];
  /** The random streams the trial goes on drawing from, by purpose (read when saving). */
  rngs(): Record<string, Rng>;
  /** A strategy that keeps state of its own between steps (JSON). */
  strategy?: { saveState?(): unknown; loadState?(state: unknown): void };
  /** The loop's own counters (JSON). */
  loop?: { save(): unknown; load(state: unknown): void };
}

/** What a checkpoint says about the trial besides its parts. */
export interface TrialMeta {
  config: BuiltinTrialConfig;
  epoch: number;
  backend: string;
  io: ModelIO;
}

async function parameterValues(
  parameters: readonly tf.Variable[],
  values: readonly tf.Tensor[] = parameters,
): Promise<Checkpoint["parameters"]> {
  return Promise.all(
    parameters.map(async (v, i) => {
      if (v.dtype !== "float32")
        throw new Error(`checkpoint: parameter ${v.name} is ${v.dtype}, not float32`);
      return {
        name: paramName(v),
        shape: [...v.shape],
        values: Float32Array.from(await (values[i] as tf.Tensor).data<"float32">()),
      };
    }),
  );
}

/** A trial checkpoint of `parts` after epoch `meta.epoch`. */
export async function captureTrial(
  parts: TrialParts,
  meta: TrialMeta & Pick<Checkpoint, "final" | "best">,
): Promise<Uint8Array> {
  const strategy = parts.strategy?.saveState?.();
  const loop = parts.loop?.save();
  return encodeCheckpoint({
    kind: "trial",
    ...meta,
    parameters: await parameterValues(parts.parameters),
    optimizers: await Promise.all(
      parts.optimizers.map((o) => captureOptimizer(o.optimizer, o.rule, parts.parameters)),
    ),
    // Rng keeps its words as int32; stored as the u32 they stand for.
    rng: Object.fromEntries(
      Object.entries(parts.rngs()).map(([k, r]) => [k, r.state().map((w) => w >>> 0) as unknown as RngState]),
    ),
    ...(strategy !== undefined ? { strategy } : {}),
    ...(loop !== undefined ? { loop } : {}),
  });
}

/**
 * The model's weights as they are at one moment, held on the backend until written (`capture`)
 * or dropped (`dispose`): taking one costs a copy on the device at most, where encoding and
 * writing kept weights costs far more, so a trial's best weights are held this way and written
 * only when they must be (a checkpoint, the end of the trial).
 */
export class ModelSnapshot {
  private constructor(
    private readonly parameters: readonly tf.Variable[],
    private readonly values: tf.Tensor[],
  ) {}

  static take(parameters: readonly tf.Variable[]): ModelSnapshot {
    return new ModelSnapshot(
      parameters,
      tf.tidy(() => parameters.map((v) => tf.keep(v.clone()))),
    );
  }

  /** Kept weights of the snapshot (as captureModel's of the parameters then). */
  capture(meta: TrialMeta): Promise<Uint8Array> {
    return captureModel(this.parameters, meta, this.values);
  }

  dispose(): void {
    for (const t of this.values) t.dispose();
  }
}

/** Kept weights: the model's parameters with what exportModel needs to rebuild and feed it. */
export async function captureModel(
  parameters: readonly tf.Variable[],
  meta: TrialMeta,
  /** The values to write, one per parameter (a snapshot's). @default the parameters' own */
  values: readonly tf.Tensor[] = parameters,
): Promise<Uint8Array> {
  return encodeCheckpoint({
    kind: "model",
    ...meta,
    parameters: await parameterValues(parameters, values),
    optimizers: [],
    rng: {},
  });
}

/** The saved random stream `purpose`, to go on drawing from. */
export function savedRng(c: Checkpoint, purpose: string): Rng {
  const state = c.rng[purpose];
  if (!state)
    throw new CheckpointError(`cannot resume from this checkpoint: it has no "${purpose}" random state`);
  return Rng.restore(state as RngState);
}

/**
 * Assigns saved parameter values to `parameters` after checking they are the same tensors: as
 * many, in the same order, with the same names and shapes. Throws CheckpointError naming the
 * first that differs; nothing is assigned then.
 */
export function assignParameters(saved: Checkpoint["parameters"], parameters: readonly tf.Variable[]): void {
  if (saved.length !== parameters.length)
    throw new CheckpointError(
      `the checkpoint has ${saved.length} parameter tensors, the model as built ${parameters.length}`,
    );
  parameters.forEach((v, i) => {
    const s = saved[i] as Checkpoint["parameters"][number];
    const name = paramName(v);
    if (s.name !== name)
      throw new CheckpointError(
        `parameter #${i} is ${s.name} in the checkpoint, ${name} in the model as built`,
      );
    if (s.shape.length !== v.shape.length || s.shape.some((d, k) => d !== v.shape[k]))
      throw new CheckpointError(
        `parameter ${name} has shape [${s.shape.join(", ")}] in the checkpoint, [${v.shape.join(", ")}] in the model as built`,
      );
  });
  tf.tidy(() => {
    parameters.forEach((v, i) => {
      const s = saved[i] as Checkpoint["parameters"][number];
      v.assign(tf.tensor(s.values, s.shape, "float32"));
    });
  });
}

/**
 * Restores `parts` from a checked trial checkpoint (random streams are the caller's: they are
 * needed before the parts are built, see savedRng). Throws CheckpointError where the checkpoint
 * does not fit the trial as built.
 */
export async function restoreTrial(c: Checkpoint, parts: TrialParts): Promise<void> {
  assignParameters(c.parameters, parts.parameters);
  if (c.optimizers.length !== parts.optimizers.length)
    throw new CheckpointError(
      `the checkpoint has ${c.optimizers.length} optimizer states, the trial ${parts.optimizers.length}`,
    );
  for (const [k, o] of parts.optimizers.entries()) {
    const state = c.optimizers[k] as Checkpoint["optimizers"][number];
    if (state.rule !== o.rule)
      throw new CheckpointError(`optimizer ${k} is ${state.rule} in the checkpoint, ${o.rule} in the trial`);
    if (state.slots.some((s) => s.parameter >= parts.parameters.length))
      throw new CheckpointError(`optimizer ${k} keeps state for a parameter the trial has not`);
    await restoreOptimizer(o.optimizer, state, parts.parameters);
  }
  const loadState = parts.strategy?.loadState;
  if (c.strategy !== undefined && !loadState)
    throw new CheckpointError("the checkpoint holds strategy state, and the trial's strategy keeps none");
  if (loadState) {
    if (c.strategy === undefined)
      throw new CheckpointError("the checkpoint holds no state of the trial's strategy");
    try {
      loadState.call(parts.strategy, c.strategy);
    } catch (error) {
      throw new CheckpointError(`the strategy's saved state does not fit: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (parts.loop) {
    if (c.loop === undefined) throw new CheckpointError("the checkpoint holds no state of the trial's loop");
    try {
      parts.loop.load(c.loop);
    } catch (error) {
      throw new CheckpointError(`the loop's saved state does not fit: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
