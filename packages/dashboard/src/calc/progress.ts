/** Sweep progress and time left, from counts and trial durations. */
import type { SweepInfo, TrialInfo } from "@mtl/bus";

export const TERMINAL = ["completed", "failed", "pruned", "cancelled"] as const;

/** Trials in a terminal state. */
export function doneOf(counts: SweepInfo["counts"]): number {
  return TERMINAL.reduce((n, s) => n + counts[s], 0);
}

/** A bar of `width` cells for a fraction in [0, 1], in eighths so that slow progress still moves. */
export function progressBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = eighths % 8;
  const parts = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
  const bar = "█".repeat(full) + (partial ? parts[partial] : "");
  return bar + "░".repeat(Math.max(0, width - [...bar].length));
}

/**
 * Milliseconds until the sweep is done, or null when unknown (nothing completed yet) or not
 * running. Work left is the queued trials at the mean trial time plus what the running ones
 * still need; it is shared by the trials running at once.
 */
export function estimateEta(
  sweep: SweepInfo,
  running: readonly Pick<TrialInfo, "startedAt">[],
  now: number,
): number | null {
  if (sweep.status !== "running" || sweep.meanTrialMs === null) return null;
  const mean = sweep.meanTrialMs;
  const left = Math.max(0, sweep.total - doneOf(sweep.counts) - running.length);
  const runningLeft = running.reduce(
    (s, t) => s + Math.max(0, mean - (t.startedAt ? now - t.startedAt : 0)),
    0,
  );
  const parallel = Math.max(1, running.length);
  return (left * mean + runningLeft) / parallel;
}
