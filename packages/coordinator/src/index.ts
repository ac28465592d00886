export { Coordinator, type CoordinatorOptions, type SweepSummary } from "./coordinator.ts";
export { SweepRouter } from "./router.ts";
export { markStaleWorkers, recordHeartbeat } from "./workers.ts";
