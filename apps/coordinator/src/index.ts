export { Coordinator, type CoordinatorOptions, type SweepSummary } from "./coordinator.ts";
