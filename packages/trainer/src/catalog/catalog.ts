/**
 * The catalog of the built-in modules, from their descriptors (builtins.ts): what a process
 * knows of the strategies, architectures and datasets it can run without loading TensorFlow.js.
 */
import type { ArchitectureInfo, Catalog, DatasetInfo, StrategyInfo } from "@mtl/spec";
import type { z } from "zod";
import { BUILTIN_ARCHITECTURES, BUILTIN_DATASETS, BUILTIN_STRATEGIES } from "../builtins.ts";
import type { DatasetModule } from "../data/types.ts";
import type { StrategyNeeds } from "../descriptors.ts";

/** A strategy in the catalog: also what it needs for given options (e.g. mgda with ub: true). */
export interface CatalogStrategy extends StrategyInfo {
  needs(options: unknown): StrategyNeeds;
}

/** A dataset in the catalog, with the module that describes it (plain code, no tf). */
export interface CatalogDataset extends DatasetInfo {
  module: DatasetModule;
}

/** An architecture in the catalog: also whether tasks share parameters. */
export interface CatalogArchitecture extends ArchitectureInfo {
  sharedParameters: boolean;
}

export interface TrainerCatalog extends Catalog {
  strategies: ReadonlyMap<string, CatalogStrategy>;
  architectures: ReadonlyMap<string, CatalogArchitecture>;
  datasets: ReadonlyMap<string, CatalogDataset>;
}

function strategyInfo(d: (typeof BUILTIN_STRATEGIES)[number]): CatalogStrategy {
  const needs = (options: unknown): StrategyNeeds => {
    const parsed = d.options.safeParse(options ?? {});
    return parsed.success ? (d.needs?.(parsed.data as z.output<typeof d.options>) ?? {}) : {};
  };
  return {
    name: d.name,
    description: d.description,
    options: d.options,
    family: d.family,
    taskWeights: d.taskWeights,
    ...(needs({}).sharedRepresentation ? { needsSharedRepresentation: true } : {}),
    needs,
  };
}

/** The built-in strategies, architectures and datasets. */
export const catalog: TrainerCatalog = {
  strategies: new Map(BUILTIN_STRATEGIES.map((d) => [d.name, strategyInfo(d)])),
  architectures: new Map(
    BUILTIN_ARCHITECTURES.map((d) => [
      d.name,
      {
        name: d.name,
        description: d.description,
        options: d.options,
        multiTask: d.multiTask,
        trunks: d.trunks,
        sharedParameters: d.sharedParameters,
        sharedRepresentation: d.sharedRepresentation,
      },
    ]),
  ),
  datasets: new Map(
    BUILTIN_DATASETS.map((m) => [
      m.name,
      {
        name: m.name,
        description: m.description,
        options: m.options,
        kind: m.kind ?? "multitask",
        module: m,
      },
    ]),
  ),
};
