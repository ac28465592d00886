export { type Db, MIGRATIONS_FOLDER, type OpenOptions, openDatabase } from "./open.ts";
export * as schema from "./schema.ts";
export {
  SWEEP_STATUSES,
  type SweepStatus,
  TERMINAL_STATES,
  TRIAL_STATES,
  type TrialState,
} from "./schema.ts";
export {
  type AttemptRow,
  type DeadLetterRow,
  type EventRow,
  isTerminal,
  type MetricRow,
  type PlannedRow,
  Store,
  type SweepRow,
  specKeyOf,
  type Transition,
  type TrialRow,
  type WorkerInfo,
  type WorkerRow,
} from "./store.ts";
