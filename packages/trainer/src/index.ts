export { BACKENDS, BackendError, currentBackend, initBackend } from "./backend.ts";
export { fastMatMulInstalled, installFastMatMul, uninstallFastMatMul } from "./fast-matmul.ts";
export { runTrial, type TrainHooks } from "./train.ts";
export {
  listArchitectures,
  listDatasets,
  listStrategies,
  registerArchitecture,
  registerDataset,
  registerStrategy,
} from "./registries.ts";
export { RegistryError, type RegistryEntry } from "./registry.ts";
export type { Dataset, DatasetContext, DatasetModule, Target } from "./data/types.ts";
export type { ArchitectureModule, BuildContext, Model } from "./models/types.ts";
export type {
  GradientInput,
  GradientStrategy,
  LossStrategy,
  Strategy,
  StrategyContext,
  StrategyModule,
} from "./strategies/types.ts";
export { createRng, type Rng } from "./rng.ts";
export { parseCsv } from "./data/csv.ts";
export { referenceTrainingStep, type ReferenceOptions } from "./reference.ts";
