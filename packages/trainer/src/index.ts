export type { Accel } from "@mtl/accel";
export { accel } from "./accel.ts";
export { BACKENDS, BackendError, currentBackend, initBackend } from "./backend.ts";
export {
  type Checkpoint,
  CheckpointError,
  type CheckResult,
  checkCheckpoint,
  decodeCheckpoint,
  type ModelIO,
} from "./checkpoint/checkpoint.ts";
export { CsvError, parseCsv } from "./data/csv.ts";
export { DataFileError } from "./data/files.ts";
export { loadDataset } from "./data/load.ts";
export type { Dataset, DatasetContext, DatasetDescription, DatasetModule, Target } from "./data/types.ts";
export {
  type ExportedModel,
  exportModel,
  type LoadedModel,
  loadModel,
  type ModelMetadata,
} from "./export/export-model.ts";
export { DEFAULT_CHECKPOINT_MS, type TrainHooks, type TrainOutcome } from "./hooks.ts";
export { hasOwnLoop } from "./meta/dispatch.ts";
export { type MamlProblem, type MamlSettings, mamlGradients } from "./meta/maml.ts";
export { registerSecondOrderGradients } from "./meta/second-order.ts";
export type {
  Episodes,
  EpisodicLearner,
  MetaStrategyModule,
  TaskFamily,
  TaskFamilyModule,
} from "./meta/types.ts";
export type { ArchitectureModule, BuildContext, Model } from "./models/types.ts";
export {
  type ReferenceCnnOptions,
  type ReferenceFewShotOptions,
  type ReferenceOptions,
  referenceCnnTrainingStep,
  referenceFewShotEvaluation,
  referenceTrainingStep,
} from "./reference.ts";
export {
  listArchitectures,
  listDatasets,
  listStrategies,
  registerArchitecture,
  registerDataset,
  registerStrategy,
} from "./registries.ts";
export { type RegistryEntry, RegistryError } from "./registry.ts";
export type {
  GradientInput,
  GradientStrategy,
  LossStrategy,
  Strategy,
  StrategyContext,
  StrategyModule,
} from "./strategies/types.ts";
export { runTrial } from "./train.ts";
export { warmUp } from "./warm-up.ts";
