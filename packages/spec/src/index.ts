export type { ArchitectureInfo, Catalog, DatasetInfo, StrategyInfo } from "./catalog.ts";
export { formatIssues, formatPath, InputError } from "./errors.ts";
export {
  type BuiltinExperiment,
  DatasetSpec,
  type Direction,
  defaultDirection,
  defineExperiment,
  type Experiment,
  type ExperimentCommon,
  type ExperimentInput,
  ExperimentSpec,
  LOSSES,
  METRICS,
  Metric,
  ModelSpec,
  metricDirection,
  Objective,
  type ProgramExperiment,
  ProgramRef,
  ProgramsMap,
  PrunerSpec,
  StrategyRef,
  SweepSpec,
  TaskSpec,
  TrainingSpec,
} from "./experiment.ts";
export { canonicalJson, fnv1a32, fnv1a64, sameValue, shortHash } from "./identity.ts";
export {
  ATTEMPT_STATES,
  type AttemptState,
  isTerminal,
  SWEEP_STATUSES,
  type SweepStatus,
  TERMINAL_STATES,
  TRIAL_STATES,
  type TrialState,
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
  BuiltinTrialConfig,
  builtinConfig,
  configKeyOf,
  type EpochReport,
  type FinalMetrics,
  isProgramTrial,
  type MetricPoint,
  ProgramTrialConfig,
  TrialConfig,
  type TrialOutcome,
} from "./trial.ts";
