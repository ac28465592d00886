/**
 * A sweep's retention of kept models (`checkpoint.keep`), applied once the sweep has completed:
 * until then every trial's kept models stay (a running sweep's best is not known yet).
 */
import type { CheckpointStore, KeptModelEntry } from "@mtl/bus";
import { objectiveOf, retainedTrials } from "@mtl/scheduler";
import { DEFAULT_KEEP, type KeepPolicy } from "@mtl/spec";
import type { Store, SweepRow } from "@mtl/store";

export interface RetentionPlan {
  policy: KeepPolicy;
  /** Whether the sweep has ended (completed): only then is anything deleted. */
  ended: boolean;
  keep: KeptModelEntry[];
  /** The kept models the policy lets go: of trials it does not retain, or that did not complete. */
  drop: KeptModelEntry[];
}

/** The sweep's retention policy: its experiment's `checkpoint.keep`, or DEFAULT_KEEP. */
export const keepPolicyOf = (sweep: SweepRow): KeepPolicy => sweep.spec.checkpoint?.keep ?? DEFAULT_KEEP;

/**
 * Which of the sweep's kept models (`models`, any sweep's: others are ignored) the policy keeps.
 * The trials retained are its completed trials chosen by `retainedTrials` on their stored
 * objective values; of a sweep that has not completed, every model is kept.
 */
export function retentionPlan(
  results: Store,
  sweep: SweepRow,
  models: readonly KeptModelEntry[],
): RetentionPlan {
  const policy = keepPolicyOf(sweep);
  const mine = models.filter((m) => m.sweep === sweep.uid);
  const ended = results.sweepStatus(sweep.id) === "completed";
  if (!ended) return { policy, ended, keep: mine, drop: [] };
  const completed = results.trialsOf(sweep.id, ["completed"]);
  const retained = retainedTrials(completed, policy, objectiveOf(sweep.spec));
  return {
    policy,
    ended,
    keep: mine.filter((m) => retained.has(m.trialId)),
    drop: mine.filter((m) => !retained.has(m.trialId)),
  };
}

/** Applies the sweep's retention policy to its kept models in `store`; resolves with the plan. */
export async function applyRetention(
  results: Store,
  sweep: SweepRow,
  store: CheckpointStore,
): Promise<RetentionPlan> {
  const plan = retentionPlan(results, sweep, await store.listModels(sweep.uid));
  if (plan.drop.length) await store.deleteModels(plan.drop);
  return plan;
}
