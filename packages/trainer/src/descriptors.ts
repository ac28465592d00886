/**
 * Descriptors: what the catalog knows of a strategy or an architecture without loading
 * TensorFlow.js — its name, description, options schema and capabilities — plus `load`, which
 * imports its implementation. Each module is a descriptor file (`x.info.ts`, no tf) beside its
 * implementation (`x.ts`); builtins.ts lists the descriptors (the one registry line), the runtime
 * registries load the implementations from there, the catalog reads the descriptors alone.
 */
import type { ArchitectureInfo, StrategyInfo } from "@mtl/spec";
import type { z } from "zod";
import type { MetaStrategyModule } from "./meta/types.ts";
import type { ArchitectureModule } from "./models/types.ts";
import type { StrategyModule } from "./strategies/types.ts";

/** A strategy's implementation: `create` (trained by runTrial's loop) or `run` (its own loop). */
export type StrategyImplementation<S extends z.ZodType = z.ZodType> = Pick<StrategyModule<S>, "create"> &
  Partial<Pick<MetaStrategyModule<S>, "run" | "checkpoints">>;

/** What an experiment needs for a strategy with these options. */
export interface StrategyNeeds {
  /** One representation shared by every task head (MGDA-UB). */
  sharedRepresentation?: boolean;
  /** A task-family dataset and a single task (episodic meta-learning). */
  taskFamily?: boolean;
  /** Parameters shared by the tasks (transfer fine-tunes what the sources trained). */
  sharedParameters?: boolean;
}

export interface StrategyDescriptor<S extends z.ZodType = z.ZodType> extends StrategyInfo {
  options: S;
  /** Needs that depend on the options (default: none). */
  needs?(options: z.output<S>): StrategyNeeds;
  /** The implementation (it imports TensorFlow.js): the runtime registry loads it, the catalog never. */
  load(): Promise<StrategyImplementation<S>>;
}

export interface ArchitectureDescriptor<S extends z.ZodType = z.ZodType> extends ArchitectureInfo {
  options: S;
  /** Has parameters that several tasks use (false: independent networks, or towers tied only by a penalty). */
  sharedParameters: boolean;
  load(): Promise<Pick<ArchitectureModule<S>, "build">>;
}

export const defineStrategy = <S extends z.ZodType>(d: StrategyDescriptor<S>): StrategyDescriptor<S> => d;
export const defineArchitecture = <S extends z.ZodType>(
  d: ArchitectureDescriptor<S>,
): ArchitectureDescriptor<S> => d;
