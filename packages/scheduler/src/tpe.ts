import type { Experiment } from "@mtl/spec";
import { drawConfig } from "./random.ts";
import { stream } from "./rng.ts";
import type { Proposer } from "./sampler.ts";
import type { Space } from "./space.ts";

export function createTpe(experiment: Experiment, space: Space): Proposer {
  return (ctx) => drawConfig(space, stream(experiment.sweep.seed, "tpe", ctx.index));
}
