export { ashaRungs } from "./asha.ts";
export { ObjectiveError, SearchSpaceError } from "./errors.ts";
export { GRID_MAX_INT_VALUES, GRID_POINTS, gridValues } from "./grid.ts";
export { type ConfigSummary, rankConfigurations, summarizeConfigs } from "./history.ts";
export { median } from "./median.ts";
export { type Objective, type ObjectiveSource, objectiveOf } from "./objective.ts";
export { crowding, dominates, onParetoFront, paretoFront, paretoRanks } from "./pareto.ts";
export { createPruner } from "./pruner.ts";
export { baselineParams, isBaseline, resolveConfig } from "./resolve.ts";
export { type RetentionCandidate, retainedTrials } from "./retention.ts";
export { createSampler, DEFAULT_MAX_TRIALS, type SamplerOptions } from "./sampler.ts";
export { simplexGrid, simplexGridSize } from "./simplex.ts";
export {
  type Arm,
  analyzeSpace,
  type Dim,
  type KeyTarget,
  MODEL_KEYS,
  readsTaskWeights,
  type Space,
  type StrategyLookup,
  strategyLabels,
  TRAINING_KEYS,
  targetOf,
} from "./space.ts";
export type { PlannedTrial, PruneQuery, Pruner, Sampler, TrialHistory } from "./types.ts";
