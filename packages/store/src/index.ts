export { holderGone, LockHeld, type LockOwner, pidAlive } from "./locks.ts";
export { parseNumbers, stringifyNumbers } from "./numbers.ts";
export { type Db, MIGRATIONS_FOLDER, type OpenOptions, openDatabase, ResultsFileError } from "./open.ts";
export * as schema from "./schema.ts";
export {
  type AttemptRow,
  type DeadLetterRow,
  type EventRow,
  type MetricRow,
  type PlannedRow,
  type RunResult,
  Store,
  type SweepRow,
  type SweepTiming,
  specKeyOf,
  type Transition,
  type TrialRow,
  type WorkerInfo,
  type WorkerRow,
} from "./store.ts";
