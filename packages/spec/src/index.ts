export { formatIssues, formatPath, UsageError } from "./errors.ts";
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
export {
  type EpochReport,
  type FinalMetrics,
  type MetricPoint,
  methodOf,
  TrialConfig,
  type TrialOutcome,
} from "./trial.ts";
