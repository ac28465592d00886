import type { EpochReport, TrialOutcome } from "@mtl/spec";

/** Why a running trial is asked to stop, as written into the thread's shared stop flag. */
export const STOP_CODES = ["", "pruned", "cancelled", "interrupted"] as const;
export type StopReason = Exclude<(typeof STOP_CODES)[number], "">;

export type ThreadRequest = { type: "run"; config: unknown };
export type ThreadReply =
  | { type: "ready"; backend: string; warmUpMs?: number }
  | { type: "fatal"; error: string }
  | { type: "epoch"; report: EpochReport }
  | { type: "done"; outcome: TrialOutcome }
  | { type: "error"; error: string };
