export { Coordinator, type CoordinatorOptions, type SweepSummary } from "./coordinator.ts";
export { applyAction } from "./dashboard/actions.ts";
export { AnalysisCache, analyze, fromComparison, type SweepAnalysis } from "./dashboard/comparison.ts";
export { DEFAULT_MAX_POINTS, downsampleSeries } from "./dashboard/downsample.ts";
export { recordOf } from "./dashboard/records.ts";
export { createDashboardService, type DashboardServiceOptions } from "./dashboard/service.ts";
export { loadSnapshot, loadTrialDetail, seriesOf } from "./dashboard/snapshot.ts";
export { filterTrials, pageOf, sortTrials } from "./dashboard/trials-page.ts";
export { objectiveVerdict } from "./result.ts";
export { applyRetention, keepPolicyOf, type RetentionPlan, retentionPlan } from "./retention.ts";
export { SweepRouter, type SweepRouterOptions } from "./router.ts";
export {
  connectCoordinatorBus,
  DEFAULT_NATS_PARALLELISM,
  type DistributedOptions,
  runDistributed,
  sweepOverNats,
} from "./service.ts";
export { sweepSampler } from "./sweep-sampler.ts";
export { markStaleWorkers, recordHeartbeat } from "./workers.ts";
