/**
 * The runtime registries of datasets, architectures and strategies, with the built-in modules of
 * builtins.ts (adding a module: its folder's files and one line there). Architectures and
 * strategies are loaded here, with their TensorFlow.js implementations; the catalog reads the
 * same descriptors without loading them.
 */
import type { z } from "zod";
import { BUILTIN_ARCHITECTURES, BUILTIN_STRATEGIES } from "./builtins.ts";
import { datasets } from "./data/registry.ts";
import type { DatasetModule } from "./data/types.ts";
import type { ArchitectureModule } from "./models/types.ts";
import { Registry, type RegistryEntry } from "./registry.ts";
import type { StrategyModule } from "./strategies/types.ts";

export { datasets };
export const architectures = new Registry<ArchitectureModule>("architecture");
export const strategies = new Registry<StrategyModule>("strategy");

/** A descriptor with its implementation: the module the runtime registry holds. */
async function loaded<D extends { load(): Promise<object> }>(d: D) {
  const { load: _load, ...info } = d;
  return { ...info, ...(await d.load()) };
}

// Top-level await: every module that uses a registry sees the built-ins loaded. The
// implementations must not import this module (nor data/load.ts), or the loading would wait on
// itself.
const [builtArchitectures, builtStrategies] = await Promise.all([
  Promise.all(BUILTIN_ARCHITECTURES.map(loaded)),
  Promise.all(BUILTIN_STRATEGIES.map(loaded)),
]);
for (const a of builtArchitectures) architectures.register(a as unknown as ArchitectureModule);
for (const s of builtStrategies) strategies.register(s as unknown as StrategyModule);

/** Adds a dataset module (or replaces one of the same name) in this thread's registry. */
export function registerDataset<S extends z.ZodType>(module: DatasetModule<S>): void {
  datasets.register(module as unknown as DatasetModule);
}
export function registerArchitecture<S extends z.ZodType>(module: ArchitectureModule<S>): void {
  architectures.register(module as unknown as ArchitectureModule);
}
export function registerStrategy<S extends z.ZodType>(module: StrategyModule<S>): void {
  strategies.register(module as unknown as StrategyModule);
}

export const listDatasets = (): RegistryEntry[] => datasets.list();
export const listArchitectures = (): RegistryEntry[] => architectures.list();
export const listStrategies = (): RegistryEntry[] => strategies.list();
