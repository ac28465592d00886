export { type Executor, type RunHandle, ThreadExecutor } from "./executor.ts";
export {
  DEFAULT_LIMITS,
  describeOverLimit,
  LIMIT_FLAGS,
  type OverLimit,
  overLimits,
  parameterBound,
  type WorkerLimits,
} from "./limits.ts";
export type { StopReason } from "./protocol.ts";
export { runWorker, type WorkerOptions } from "./worker.ts";
