/**
 * The store transition a trial event asks for: the one mapping from the wire's events to the
 * store's lease-guarded transitions, used by a sweep's coordinator and by the router for events
 * of sweeps no coordinator runs (a finished sweep's late or stray runs).
 */
import type { TrialEvent } from "@mtl/bus";
import type { RunResult, Store, Transition } from "@mtl/store";

export interface Completion {
  /** The objective, or why it has none that counts (result.ts), for a `completed` event. */
  verdict?: Pick<RunResult, "objective" | "objectiveError">;
  /** Decide now even if epochs are missing: the event waited long enough for them. */
  lastChance?: boolean;
}

export function applyEvent(
  store: Store,
  trialId: number,
  e: TrialEvent,
  completion: Completion = {},
): Transition {
  switch (e.kind) {
    case "started":
      return store.startTrial(trialId, {
        runId: e.runId,
        worker: e.worker,
        backend: e.backend,
        ...(e.resumedFrom !== undefined ? { resumedFrom: e.resumedFrom } : {}),
        ...(e.resumeNotes ? { resumeNotes: e.resumeNotes } : {}),
      });
    case "epoch":
      return store.recordEpochs(trialId, e.runId, e.reports);
    case "completed":
      return store.completeTrial(
        trialId,
        e.runId,
        { final: e.final, epochs: e.epochs, backend: e.backend, ...completion.verdict },
        completion.lastChance ? { lastChance: true } : {},
      );
    case "failed":
      return store.failTrial(trialId, e.runId, e.error, e.retryable);
    case "stopped":
      return store.stopTrial(trialId, e.runId, e.status, e.epoch);
  }
}
