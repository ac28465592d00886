import type { EpochReport, Objective, TrialOutcome } from "@mtl/spec";

/** Why a running trial is asked to stop, as written into the thread's shared stop flag. */
export const STOP_CODES = ["", "pruned", "cancelled", "interrupted"] as const;
export type StopReason = Exclude<(typeof STOP_CODES)[number], "">;

/** How often a run saves checkpoints (the trainer's `TrainHooks.checkpoint` cadence). */
export interface CheckpointCadence {
  every?: number;
  everyMs?: number;
}

export type ThreadRequest =
  | {
      type: "run";
      config: unknown;
      /** The trainer's checkpoint to resume from. */
      resume?: Uint8Array;
      /** Save checkpoints at this cadence (none without it). */
      checkpoint?: CheckpointCadence;
      /** Keep the final weights and the best on this objective (none without it). */
      keep?: { objective: Objective };
    }
  /** Whether a trainer's checkpoint fits the trial (answered by `checked`). */
  | { type: "check"; config: unknown; bytes: Uint8Array };
export type ThreadReply =
  | { type: "ready"; backend: string; warmUpMs?: number }
  | { type: "checked"; reason?: string }
  | { type: "checkpoint"; epoch: number; bytes: Uint8Array }
  /** Kept weights (TrainHooks.keep): the final ones, or a new best. */
  | { type: "kept"; kind: "final" | "best"; epoch: number; bytes: Uint8Array }
  /** The trainer refused the checkpoint as built (tensors of another model): it starts afresh. */
  | { type: "resume-refused"; reason: string }
  | { type: "fatal"; error: string }
  | { type: "epoch"; report: EpochReport }
  | { type: "done"; outcome: TrialOutcome }
  | { type: "error"; error: string };
