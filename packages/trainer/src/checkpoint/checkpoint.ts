/**
 * What a checkpoint holds, and the checks a checkpoint passes before anything is restored from
 * it. A checkpoint is data from storage: the container's SHA-256 and format version, then the
 * body's shape (zod), then whether it belongs to the trial (its config's identity and seed).
 * Whether its tensors fit the model as built is checked when restoring (trial-state.ts).
 *
 * Two kinds share the format: `trial` (a checkpoint: everything a trial needs to go on) and
 * `model` (kept weights: parameters, config and the model's inputs and outputs, for exportModel).
 */
import { BuiltinTrialConfig, canonicalJson, configKeyOf, type FinalMetrics, type RngState } from "@mtl/spec";
import { z } from "zod";
import type { OptimizerState } from "../optimizer-state.ts";
import type { OptimizerName } from "../optimizers.ts";
import { CheckpointError, decodeContainer, encodeContainer } from "./container.ts";

export { CheckpointError };

/** A model's inputs and outputs, as the trainer fed and read them. */
export interface ModelIO {
  /** One sample's features: [d], or [h, w, c] for images (rows are flattened in that order). */
  inputShape: number[];
  /** The per-feature standardisation the trainer applied (training-split mean and std), if any. */
  standardize?: { mean: number[]; std: number[] };
  /** One output per task, in order: logits (classification, `units` classes) or a value. */
  outputs: { task: string; kind: "classification" | "regression"; units: number }[];
}

/** A decoded checkpoint or kept model. */
export interface Checkpoint {
  kind: "trial" | "model";
  /** The config of the trial that wrote it. */
  config: BuiltinTrialConfig;
  /** Epochs completed when it was taken (the model's epoch, for kept models). */
  epoch: number;
  backend: string;
  io: ModelIO;
  /** Every trained tensor of the trial, in the trial's order (names as asked for, e.g. `trunk_h0_W`). */
  parameters: { name: string; shape: number[]; values: Float32Array }[];
  /** Each optimiser's state (trial checkpoints). */
  optimizers: OptimizerState[];
  /** The state of each random stream the trial still draws from, by purpose. */
  rng: Record<string, RngState>;
  /** The strategy's own state (Strategy.saveState), if it keeps any. */
  strategy?: unknown;
  /** The training loop's own counters (episodic strategies: the meta-iteration). */
  loop?: unknown;
  /** The metrics of epoch `epoch`: the outcome's `final` if nothing is left to train. */
  final?: FinalMetrics;
  /** The best objective value so far and its epoch (TrainHooks.keep). */
  best?: { epoch: number; value: number };
}

const int = z.number().int().nonnegative();
const anyNumber = z.custom<number>((v) => typeof v === "number", "expected a number");
const u32 = z.number().int().min(0).max(0xffffffff);
const RULES = ["adam", "sgd", "momentum", "rmsprop"] as const satisfies readonly OptimizerName[];

const Body = z
  .object({
    kind: z.enum(["trial", "model"]),
    config: z.unknown(),
    epoch: int,
    backend: z.string(),
    io: z.object({
      inputShape: z.array(int),
      standardize: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).optional(),
      outputs: z.array(
        z.object({ task: z.string(), kind: z.enum(["classification", "regression"]), units: int }),
      ),
    }),
    parameters: z.array(z.object({ name: z.string(), shape: z.array(int) })),
    optimizers: z.array(
      z.object({
        rule: z.enum(RULES),
        iterations: int,
        betaPowers: z.tuple([z.number(), z.number()]).optional(),
        slots: z.array(z.object({ parameter: int, count: int })),
      }),
    ),
    rng: z.record(z.string(), z.tuple([u32, u32, u32, u32])),
    strategy: z.unknown().optional(),
    loop: z.unknown().optional(),
    final: z.record(z.string(), z.record(z.string(), z.record(z.string(), anyNumber))).optional(),
    best: z.object({ epoch: int, value: z.number() }).optional(),
  })
  .strict();

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const arrays: Float32Array[] = c.parameters.map((p) => p.values);
  for (const o of c.optimizers) for (const s of o.slots) arrays.push(...s.values);
  const body: z.input<typeof Body> = {
    kind: c.kind,
    config: c.config,
    epoch: c.epoch,
    backend: c.backend,
    io: c.io,
    parameters: c.parameters.map((p) => ({ name: p.name, shape: p.shape })),
    optimizers: c.optimizers.map((o) => ({
      rule: o.rule,
      iterations: o.iterations,
      ...(o.betaPowers ? { betaPowers: o.betaPowers } : {}),
      slots: o.slots.map((s) => ({ parameter: s.parameter, count: s.values.length })),
    })),
    rng: Object.fromEntries(Object.entries(c.rng).map(([k, s]) => [k, [...s]])),
    ...(c.strategy !== undefined ? { strategy: c.strategy } : {}),
    ...(c.loop !== undefined ? { loop: c.loop } : {}),
    ...(c.final ? { final: c.final } : {}),
    ...(c.best ? { best: c.best } : {}),
  };
  return encodeContainer({ body, arrays });
}

/**
 * Reads checkpoint (or kept model) bytes: SHA-256, format version, the header's shape and every
 * array's size against its declared shape. Throws CheckpointError with the reason.
 */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const { body, arrays } = decodeContainer(bytes);
  const parsed = Body.safeParse(body);
  if (!parsed.success)
    throw new CheckpointError(
      `malformed checkpoint: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ")}`,
    );
  const b = parsed.data;
  const config = BuiltinTrialConfig.safeParse(b.config);
  if (!config.success) throw new CheckpointError("malformed checkpoint: its trial config does not parse");
  let next = 0;
  const take = (what: string, shape: readonly number[]): Float32Array => {
    const a = arrays[next++];
    if (!a) throw new CheckpointError(`malformed checkpoint: no values for ${what}`);
    if (a.length !== size(shape))
      throw new CheckpointError(
        `malformed checkpoint: ${what} has ${a.length} values for shape [${shape.join(", ")}]`,
      );
    return a;
  };
  const parameters = b.parameters.map((p) => ({ ...p, values: take(`parameter ${p.name}`, p.shape) }));
  const optimizers: OptimizerState[] = b.optimizers.map((o, k) => ({
    rule: o.rule,
    iterations: o.iterations,
    ...(o.betaPowers ? { betaPowers: o.betaPowers } : {}),
    slots: o.slots.map((s) => {
      const p = parameters[s.parameter];
      if (!p)
        throw new CheckpointError(
          `malformed checkpoint: optimizer ${k} keeps slots of no parameter #${s.parameter}`,
        );
      return {
        parameter: s.parameter,
        values: Array.from({ length: s.count }, () => take(`optimizer ${k}'s slot of ${p.name}`, p.shape)),
      };
    }),
  }));
  if (next !== arrays.length)
    throw new CheckpointError(`malformed checkpoint: ${arrays.length - next} arrays belong to nothing`);
  return {
    kind: b.kind,
    config: config.data,
    epoch: b.epoch,
    backend: b.backend,
    io: b.io,
    parameters,
    optimizers,
    rng: b.rng,
    ...(b.strategy !== undefined ? { strategy: b.strategy } : {}),
    ...(b.loop !== undefined ? { loop: b.loop } : {}),
    ...(b.final ? { final: b.final } : {}),
    ...(b.best ? { best: b.best } : {}),
  };
}

export type CheckResult = { ok: true; checkpoint: Checkpoint } | { ok: false; reason: string };

/**
 * Whether `bytes` is a checkpoint `config`'s trial can resume from: intact (SHA-256), of a format
 * this trainer reads, a trial checkpoint (not kept weights), and of the same configuration and
 * seed. Never throws; the reason names what differs. runTrial checks the tensors against the
 * model it builds as well, and rejects with CheckpointError if they do not fit.
 */
export function checkCheckpoint(bytes: Uint8Array, config: BuiltinTrialConfig): CheckResult {
  let checkpoint: Checkpoint;
  try {
    checkpoint = decodeCheckpoint(bytes);
  } catch (error) {
    if (error instanceof CheckpointError) return { ok: false, reason: error.message };
    throw error;
  }
  const reason = mismatch(checkpoint, config);
  return reason ? { ok: false, reason } : { ok: true, checkpoint };
}

/** Decodes and checks, throwing CheckpointError (runTrial's path). */
export function openCheckpoint(bytes: Uint8Array, config: BuiltinTrialConfig): Checkpoint {
  const r = checkCheckpoint(bytes, config);
  if (!r.ok) throw new CheckpointError(`cannot resume from this checkpoint: ${r.reason}`);
  return r.checkpoint;
}

function mismatch(c: Checkpoint, config: BuiltinTrialConfig): string | undefined {
  if (c.kind !== "trial")
    return "these are kept model weights, not a trial checkpoint (no optimizer or random state)";
  return sameTrial(c, config);
}

/** Why `c` was not written by `config`'s trial (configuration or seed), or undefined if it was. */
export function sameTrial(c: Checkpoint, config: BuiltinTrialConfig): string | undefined {
  if (configKeyOf(c.config) === configKeyOf(config) && c.config.seed === config.seed) return undefined;
  const { params: _a, ...saved } = c.config;
  const { params: _b, ...wanted } = config;
  const paths = differences(saved, wanted);
  return `it is of another trial: ${paths
    .slice(0, 4)
    .map((p) => `${p.path} is ${p.saved} in the checkpoint, ${p.wanted} in the trial`)
    .join("; ")}${paths.length > 4 ? ` (and ${paths.length - 4} more)` : ""}`;
}

interface Difference {
  path: string;
  saved: string;
  wanted: string;
}

/** The paths where two JSON values differ, descending into objects. */
function differences(a: unknown, b: unknown, path = ""): Difference[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b))
    return [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .sort()
      .flatMap((k) => differences(a[k], b[k], path ? `${path}.${k}` : k));
  const show = (v: unknown) => (v === undefined ? "absent" : canonicalJson(v));
  return show(a) === show(b) ? [] : [{ path: path || "(root)", saved: show(a), wanted: show(b) }];
}
