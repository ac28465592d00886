/** The coordinator's answers to the dashboard protocol, read from (and, for actions, written to) its store. */
import type { CheckpointStore, DashboardService, TrialDetail } from "@mtl/bus/core";
import type { Store } from "@mtl/store";
import { applyAction } from "./actions.ts";
import { AnalysisCache } from "./comparison.ts";
import { loadSnapshot, loadTrialDetail } from "./snapshot.ts";

export interface DashboardServiceOptions {
  /** Store for actions (default: `store`); a read-only reader can pass a writer opened on first use. */
  writer?: () => Store;
  /** Called after an action changed the store (a coordinator looks at it at once). */
  onAction?: () => void;
  /**
   * Compute a sweep's comparison after answering, so that no snapshot waits for it (the
   * snapshot says `analysisPending` and carries the last one known). @default true
   */
  deferAnalysis?: boolean;
  /** Called with a sweep's id each time its comparison has been computed (to observe the order of things). */
  onAnalyzed?: (sweepId: number) => void;
  /** Where the trials' models are kept: a trial's detail then lists them. @default none listed */
  models?: CheckpointStore;
  /**
   * Deferred comparisons start only once this resolves: a dashboard drawing in this very process
   * resolves it when its first frame is out, so that the comparison (seconds on a large sweep,
   * on the same thread) never holds that frame back. @default at once
   */
  analysisGate?: Promise<void>;
}

export function createDashboardService(
  store: Store,
  options: DashboardServiceOptions = {},
): DashboardService {
  // The first snapshot of a sweep answers at once; its comparison follows in a later one.
  const analyses = new AnalysisCache(options.deferAnalysis ?? true, options.onAnalyzed, options.analysisGate);
  return {
    snapshot: (request) => loadSnapshot(store, request, analyses),
    trial: async ({ trialId, maxPoints }) => {
      const detail = loadTrialDetail(store, trialId, maxPoints, analyses);
      if (!detail || !options.models) return detail ?? null;
      return { ...detail, kept: await keptOf(store, trialId, options.models) };
    },
    action: (a) => {
      const result = applyAction(options.writer?.() ?? store, a);
      options.onAction?.();
      return result;
    },
  };
}

/** A trial's kept models as the detail view shows them; none when the store cannot be read. */
async function keptOf(store: Store, trialId: number, models: CheckpointStore): Promise<TrialDetail["kept"]> {
  const t = store.trial(trialId);
  const sweep = t && store.getSweep(t.sweepId);
  if (!t || !sweep) return [];
  const entries = await models.listModels(sweep.uid, trialId).catch(() => []);
  return entries.map((m) => ({
    kind: m.kind,
    epoch: m.epoch,
    bytes: m.bytes,
    command: `mtl export ${t.number} --sweep ${sweep.id}${m.kind === "best" ? " --which best" : ""} --out DIR`,
  }));
}
