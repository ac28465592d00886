export type { ArchitectureInfo, Catalog, DatasetInfo, StrategyInfo } from "./catalog.ts";
export { formatIssues, formatPath, InputError } from "./errors.ts";
export {
  DatasetSpec,
  type Direction,
  defaultDirection,
  defineExperiment,
  type Experiment,
  type ExperimentInput,
  ExperimentSpec,
  LOSSES,
  METRICS,
  Metric,
  ModelSpec,
  metricDirection,
  Objective,
  PrunerSpec,
  StrategyRef,
  SweepSpec,
  TaskSpec,
  TrainingSpec,
} from "./experiment.ts";
export { canonicalJson, fnv1a32, fnv1a64, sameValue, shortHash } from "./identity.ts";
export {
  ATTEMPT_STATES,
  type AttemptChange,
  type AttemptFacts,
  type AttemptState,
  attemptsLeft,
  attemptsUsed,
  COUNTED_ATTEMPT_STATES,
  type Decision,
  decide,
  isTerminal,
  type LifecycleEvent,
  type RunOrder,
  type RunRole,
  roleOf,
  SWEEP_STATUSES,
  type SweepStatus,
  TERMINAL_STATES,
  TRIAL_STATES,
  type TrialChange,
  type TrialFacts,
  type TrialState,
  type Verdict,
} from "./lifecycle.ts";
export { BASELINE_STRATEGY, isSingleTask, methodOf, SINGLE_TASK } from "./method.ts";
export { Rng, type RngState, rngStream } from "./rng.ts";
export {
  choice,
  int,
  loguniform,
  Param,
  type ParamInput,
  type ParamValue,
  simplex,
  uniform,
} from "./space.ts";
export { closestName, didYouMean } from "./suggest.ts";
export {
  configKeyOf,
  type EpochReport,
  type FinalMetrics,
  type MetricPoint,
  TrialConfig,
  type TrialOutcome,
} from "./trial.ts";
