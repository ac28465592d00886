import type { EpochReport } from "@mtl/spec";

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
}

/** The epochs a trial trains: the config's, or at most the smoke run's. */
export function epochsOf(configured: number, hooks: TrainHooks): number {
  return hooks.smoke ? Math.min(configured, hooks.smoke.epochs) : configured;
}
