/** The coordinator's answers to the dashboard protocol, read from (and, for actions, written to) its store. */
import type { DashboardService } from "@mtl/bus";
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
}

export function createDashboardService(
  store: Store,
  options: DashboardServiceOptions = {},
): DashboardService {
  // The first snapshot of a sweep answers at once; its comparison follows in a later one.
  const analyses = new AnalysisCache(options.deferAnalysis ?? true);
  return {
    snapshot: (request) => loadSnapshot(store, request, analyses),
    trial: ({ trialId, maxPoints }) => loadTrialDetail(store, trialId, maxPoints, analyses) ?? null,
    action: (a) => {
      const result = applyAction(options.writer?.() ?? store, a);
      options.onAction?.();
      return result;
    },
  };
}
