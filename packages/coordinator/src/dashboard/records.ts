/** The store's trial rows as the analysis package takes them. */
import type { TrialRecord } from "@mtl/analysis";
import { TrialConfig } from "@mtl/spec";
import type { TrialRow } from "@mtl/store";

/**
 * A trial row as a `TrialRecord`. `validate` parses the stored config (what the CLI does, so that
 * a file written by another version fails with a clear message); the dashboard, which re-reads a
 * sweep on every change, trusts the configs its own coordinator validated.
 */
export function recordOf(t: TrialRow, validate = true): TrialRecord {
  let config = t.config;
  if (validate) {
    const parsed = TrialConfig.safeParse(t.config);
    if (!parsed.success)
      throw new Error(`trial ${t.id} has a config this version cannot read: ${parsed.error.message}`);
    config = parsed.data;
  }
  return {
    id: t.id,
    sweepId: t.sweepId,
    number: t.number,
    state: t.state,
    configKey: t.configKey,
    seed: t.seed,
    config,
    params: t.params,
    ...(t.final ? { final: t.final } : {}),
    error: t.error,
    prunedEpoch: t.prunedEpoch,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    attempt: t.attempt,
    maxAttempts: t.maxAttempts,
    worker: t.worker,
  };
}
