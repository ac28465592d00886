/**
 * Where a worker keeps a trial's checkpoints, so that a later attempt (on this or another worker)
 * resumes from them: a folder beside the results file on the embedded path (folder.ts), the
 * namespace's JetStream object store over NATS (../nats/checkpoints.ts). The bytes are opaque
 * here (the worker's checkpoint record); a checkpoint is named by sweep uid, trial, attempt and
 * epoch, and the store keeps what it is given until it is deleted.
 */

/** One checkpoint's name: the attempt (a delivery, from 1) that saved it after `epoch` epochs. */
export interface CheckpointKey {
  /** The sweep's uid. */
  sweep: string;
  trialId: number;
  attempt: number;
  epoch: number;
}

/** A stored checkpoint and its size in bytes. */
export interface CheckpointEntry extends CheckpointKey {
  bytes: number;
}

/** Which weights of a completed trial are kept: its last epoch's, or its best epoch's on the objective. */
export type KeptKind = "final" | "best";
export const KEPT_KINDS: readonly KeptKind[] = ["final", "best"];

/** One kept model's name: the trial's `kind` weights, from after `epoch` epochs. */
export interface KeptModelKey {
  sweep: string;
  trialId: number;
  kind: KeptKind;
  epoch: number;
}

/** A kept model and its size in bytes. */
export interface KeptModelEntry extends KeptModelKey {
  bytes: number;
}

/**
 * A trial's checkpoints (to resume it) and its kept models (what `mtl export` writes out). Kept
 * models live beside the checkpoints under names of their own (`models/…`), so one store holds
 * both and neither's listing sees the other.
 */
export interface CheckpointStore {
  put(key: CheckpointKey, data: Uint8Array): Promise<void>;
  /** The bytes, or undefined when there is no such checkpoint. */
  get(key: CheckpointKey): Promise<Uint8Array | undefined>;
  /** Stored checkpoints, of one sweep (and trial) if given, newest first (`byRecency`). */
  list(sweep?: string, trialId?: number): Promise<CheckpointEntry[]>;
  /** Deletes these checkpoints; resolves with how many existed. */
  delete(keys: readonly CheckpointKey[]): Promise<number>;
  putModel(key: KeptModelKey, data: Uint8Array): Promise<void>;
  getModel(key: KeptModelKey): Promise<Uint8Array | undefined>;
  /** Kept models, of one sweep (and trial) if given: by sweep, trial, kind, the latest epoch first. */
  listModels(sweep?: string, trialId?: number): Promise<KeptModelEntry[]>;
  /** Deletes these kept models; resolves with how many existed. */
  deleteModels(keys: readonly KeptModelKey[]): Promise<number>;
  close(): Promise<void>;
}

/** The order a resume tries checkpoints in: the latest epoch first, then the latest attempt. */
export const byRecency = (a: CheckpointKey, b: CheckpointKey): number =>
  b.epoch - a.epoch || b.attempt - a.attempt || a.trialId - b.trialId || a.sweep.localeCompare(b.sweep);

/** A sweep uid as minted by the store (a UUID); anything else never names a path or an object. */
const SWEEP = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A key that is not one (a bad sweep uid or a number that is not a non-negative integer). */
export class InvalidCheckpointKey extends Error {
  constructor(what: string) {
    super(`checkpoint key: ${what}`);
    this.name = "InvalidCheckpointKey";
  }
}

/** The key's relative name, `sweep/trial/attempt/epoch`: a folder path and an object name alike. */
export function checkpointName(k: CheckpointKey): string {
  assertSweep(k.sweep);
  for (const [field, v] of [
    ["trialId", k.trialId],
    ["attempt", k.attempt],
    ["epoch", k.epoch],
  ] as const)
    if (!Number.isSafeInteger(v) || v < 0)
      throw new InvalidCheckpointKey(`${field}: expected a non-negative integer, got ${v}`);
  return `${k.sweep}/${k.trialId}/${k.attempt}/${k.epoch}`;
}

export function assertSweep(sweep: string): void {
  if (!SWEEP.test(sweep)) throw new InvalidCheckpointKey(`sweep: expected a sweep uid, got "${sweep}"`);
}

/** The key a name stands for, or undefined for a name that is none (someone else's file or object). */
export function parseCheckpointName(name: string): CheckpointKey | undefined {
  const m = /^([0-9a-f-]{36})\/(\d+)\/(\d+)\/(\d+)$/.exec(name);
  if (!m || !SWEEP.test(m[1]!)) return undefined;
  return { sweep: m[1]!, trialId: Number(m[2]), attempt: Number(m[3]), epoch: Number(m[4]) };
}

/** Where kept models' names start: no checkpoint's name does (it starts with a sweep uid). */
export const MODELS_PREFIX = "models/";

/** The kept model's relative name, `models/sweep/trial/kind/epoch`. */
export function keptModelName(k: KeptModelKey): string {
  if (!KEPT_KINDS.includes(k.kind))
    throw new InvalidCheckpointKey(`kind: expected final or best, got "${k.kind}"`);
  const [sweep, trial, , epoch] = checkpointName({ ...k, attempt: 0 }).split("/");
  return `${MODELS_PREFIX}${sweep}/${trial}/${k.kind}/${epoch}`;
}

/** The kept model a name stands for, or undefined. */
export function parseKeptModelName(name: string): KeptModelKey | undefined {
  const m = /^models\/([0-9a-f-]{36})\/(\d+)\/(final|best)\/(\d+)$/.exec(name);
  if (!m || !SWEEP.test(m[1]!)) return undefined;
  return { sweep: m[1]!, trialId: Number(m[2]), kind: m[3] as KeptKind, epoch: Number(m[4]) };
}

/** Kept models' order: by sweep, trial and kind, the latest epoch first. */
export const byModel = (a: KeptModelKey, b: KeptModelKey): number =>
  a.sweep.localeCompare(b.sweep) ||
  a.trialId - b.trialId ||
  a.kind.localeCompare(b.kind) ||
  b.epoch - a.epoch;
