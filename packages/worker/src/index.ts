export { type Executor, type RunHandle, ThreadExecutor } from "./executor.ts";
export type { StopReason } from "./protocol.ts";
export { runWorker, type WorkerOptions } from "./worker.ts";
