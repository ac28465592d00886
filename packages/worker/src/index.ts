export { type Executor, type RunHandle, ThreadExecutor } from "./executor.ts";
export {
  type DatasetSize,
  DEFAULT_LIMITS,
  LIMIT_FLAGS,
  overLimits,
  parameterBound,
  type WorkerLimits,
} from "./limits.ts";
export type { StopReason } from "./protocol.ts";
export { runWorker, type WorkerOptions } from "./worker.ts";
