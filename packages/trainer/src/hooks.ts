import type { Direction, EpochReport, MetricPoint, TrialOutcome } from "@mtl/spec";

/** What the caller of runTrial gives and is told, besides the trial config. */
export interface TrainHooks {
  /** Called after every epoch with all metrics; awaited. Non-finite values are reported as they are. */
  onEpoch?: (report: EpochReport) => void | Promise<void>;
  /** Polled between batches (at least every ~50 ms of work); a non-null answer stops the trial with that status. */
  shouldStop?: () => "pruned" | "cancelled" | null;
  /** Backend to use (overrides config.backend); default: the best that loads. */
  backend?: string;
  /**
   * Folders a dataset may read files from (the csv dataset's `path`): a relative path resolves
   * against them in order, an absolute one must lie inside one of them. None: no file is read.
   */
  dataDirs?: readonly string[];
  /** Aborts a dataset's file read (the trial then rejects with the signal's reason). */
  signal?: AbortSignal;
  /**
   * A smoke run (`mtl check`): at most `epochs` epochs (per phase, for strategies that train in
   * phases) on a sample of `samples` training rows, evaluated on samples of that size; episodic
   * strategies run one meta-iteration an epoch and score about `samples` held-out points.
   */
  smoke?: { samples: number; epochs: number };
  /**
   * Sees every evaluation's raw outputs (row-major [n, units] per task) with their split: for
   * tests and debugging numerics; the arrays are only valid during the call.
   */
  inspect?: (e: {
    epoch: number;
    split: "train" | "val" | "test";
    task: string;
    outputs: Float32Array;
  }) => void;
  /**
   * Save checkpoints while training: after an epoch (and after its `onEpoch` returned, so every
   * epoch up to a checkpoint has been reported), at most one an epoch, never after the last.
   * `every`: every that many epochs; `everyMs`: once that much training time has passed since
   * the last (default: DEFAULT_CHECKPOINT_MS when `every` is not given), and never sooner than 50
   * times the last save took, so saving costs at most ~2% of the trial. `save` is awaited (and
   * training waits: queue a slow upload and return); a rejection fails the trial with its error.
   * The bytes are decodeCheckpoint's format, a fresh buffer the caller may transfer.
   */
  checkpoint?: {
    every?: number;
    everyMs?: number;
    save(c: { epoch: number; bytes: Uint8Array }): void | Promise<void>;
  };
  /**
   * A checkpoint of this trial to start from (see checkCheckpoint): training goes on at the
   * epoch after it, `onEpoch` first reports that epoch, and the outcome says `resumedFrom`.
   * A checkpoint that does not fit the trial rejects with CheckpointError before training.
   */
  resume?: Uint8Array;
  /**
   * Keep the model's weights: the best, of the epoch whose `objective` beats every earlier one
   * (strictly, in `direction`; undefined or non-finite values never count), held until the next
   * checkpoint or the trial's completion and then given to `save({ kind: "best" })` (once per
   * new best); and `save({ kind: "final" })` when the trial completes. The bytes are kept weights
   * for exportModel (decodeCheckpoint's format, kind "model").
   */
  keep?: {
    objective?: (metrics: readonly MetricPoint[]) => number | undefined;
    direction?: Direction;
    save(m: { kind: "final" | "best"; epoch: number; bytes: Uint8Array }): void | Promise<void>;
  };
}

/** runTrial's outcome: spec's TrialOutcome, and the epoch it resumed after, if it did. */
export interface TrainOutcome extends TrialOutcome {
  resumedFrom?: number;
}

/** The default cadence of checkpoints: a few seconds of training (TrainHooks.checkpoint). */
export const DEFAULT_CHECKPOINT_MS = 5000;

/** The epochs a trial trains: the config's, or at most the smoke run's. */
export function epochsOf(configured: number, hooks: TrainHooks): number {
  return hooks.smoke ? Math.min(configured, hooks.smoke.epochs) : configured;
}
