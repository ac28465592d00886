export { CONFIG_PART, decodeKept, encodeKept, type KeptModel } from "./checkpoint/kept.ts";
export { RecordError } from "./checkpoint/record.ts";
export { detectDevices, parseNvidiaSmi } from "./devices.ts";
export {
  type CheckpointPart,
  type Executor,
  type RunHandle,
  ThreadExecutor,
  TRAINER_PART,
} from "./executor.ts";
export {
  DEFAULT_LIMITS,
  describeOverLimit,
  LIMIT_FLAGS,
  type OverLimit,
  overLimits,
  parameterBound,
  type WorkerLimits,
} from "./limits.ts";
export { writeCheckpointDir } from "./program/checkpoint-dir.ts";
export {
  type ProgramRun,
  type ProgramRunOptions,
  type ProgramTrial,
  PYTHON_HELPER_DIR,
  programTrialOf,
  runProgram,
} from "./program/program-executor.ts";
export { ProgramExecutor, type RegisteredProgram } from "./program/program-pool.ts";
export { type ProgramReport, parseReportLine } from "./program/report-line.ts";
export type { StopReason } from "./protocol.ts";
export { runWorker, type WorkerOptions } from "./worker.ts";
