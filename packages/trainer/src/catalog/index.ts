/**
 * `@mtl/trainer/catalog`: what this trainer can run, without loading TensorFlow.js — for
 * `mtl list`, the CLI's validation and `mtl check`. Nothing here (nor anything it imports) may
 * import `@tensorflow/*`: catalog.test.ts checks the module graph in a fresh process.
 */
export { BACKENDS, type BackendName } from "../backend-names.ts";
export type { RegistryEntry } from "../registry.ts";
export {
  type CatalogArchitecture,
  type CatalogDataset,
  type CatalogStrategy,
  catalog,
  type TrainerCatalog,
} from "./catalog.ts";
export { checkExperiment, type Issue } from "./check.ts";
export { type DatasetDescription, type DescribeContext, describeDataset } from "./describe.ts";
export { CATALOG_KINDS, type CatalogKind, listCatalog } from "./list.ts";
export { type DatasetSize, datasetSize } from "./size.ts";
