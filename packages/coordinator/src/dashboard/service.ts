/** The coordinator's answers to the dashboard protocol, read from (and, for actions, written to) its store. */
import type { DashboardService } from "@mtl/bus";
import type { Store } from "@mtl/store";
import { applyAction } from "./actions.ts";
import { loadSnapshot, loadTrialDetail } from "./snapshot.ts";

export interface DashboardServiceOptions {
  /** Store for actions (default: `store`); a read-only reader can pass a writer opened on first use. */
  writer?: () => Store;
  /** Called after an action changed the store (a coordinator looks at it at once). */
  onAction?: () => void;
}

export function createDashboardService(
  store: Store,
  options: DashboardServiceOptions = {},
): DashboardService {
  return {
    snapshot: ({ sweepId }) => loadSnapshot(store, sweepId),
    trial: ({ trialId }) => loadTrialDetail(store, trialId) ?? null,
    action: (a) => {
      const result = applyAction(options.writer?.() ?? store, a);
      options.onAction?.();
      return result;
    },
  };
}
