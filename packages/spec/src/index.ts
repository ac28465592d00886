export {
  choice,
  int,
  loguniform,
  Param,
  simplex,
  uniform,
  type ParamInput,
  type ParamValue,
} from "./space.ts";
export {
  DatasetSpec,
  defaultDirection,
  metricDirection,
  defineExperiment,
  type Direction,
  type Experiment,
  type ExperimentInput,
  ExperimentSpec,
  LOSSES,
  METRICS,
  Metric,
  ModelSpec,
  Objective,
  PrunerSpec,
  StrategyRef,
  SweepSpec,
  TaskSpec,
  TrainingSpec,
} from "./experiment.ts";
export {
  type EpochReport,
  type FinalMetrics,
  type MetricPoint,
  methodOf,
  TrialConfig,
  type TrialOutcome,
} from "./trial.ts";
export { formatIssues, formatPath, UsageError } from "./errors.ts";
