export { Coordinator, type CoordinatorOptions, type SweepSummary } from "./coordinator.ts";
export { applyAction } from "./dashboard/actions.ts";
export { compareTable, tableOf } from "./dashboard/comparison.ts";
export { createDashboardService, type DashboardServiceOptions } from "./dashboard/service.ts";
export { loadSnapshot, loadTrialDetail, seriesOf } from "./dashboard/snapshot.ts";
export { objectiveVerdict } from "./result.ts";
export { SweepRouter, type SweepRouterOptions } from "./router.ts";
export {
  connectCoordinatorBus,
  DEFAULT_NATS_PARALLELISM,
  type DistributedOptions,
  runDistributed,
  sweepOverNats,
} from "./service.ts";
export { markStaleWorkers, recordHeartbeat } from "./workers.ts";
