/**
 * Independent models, one per task (the baseline of every comparison), and `logistic`, a linear
 * model per task. They are trained jointly, on the summed loss, but share no parameter: each
 * parameter's gradient then comes from its own task alone, and Adam's per-parameter update is the
 * same as training each model separately (with SGD too, as long as the loss weights are equal).
 */
import { z } from "zod";
import {
  applyAll,
  type Block,
  type DenseLayer,
  denseLayersOf,
  headBlocks,
  inputSize,
  outSizeOf,
  trunkBlocks,
  varsOf,
} from "./layers.ts";
import type { ArchitectureModule, Model } from "./types.ts";

const Options = z.object({}).strict();

/** Independent dense networks as a dense model with no trunk. */
function denseNets(nets: Block[][]): Pick<Model, "dense"> {
  const heads = nets.map(denseLayersOf);
  return heads.every((h) => h) ? { dense: { trunk: [], heads: heads as DenseLayer[][] } } : {};
}

export const singleTask: ArchitectureModule<typeof Options> = {
  name: "single-task",
  description: "One independent network (trunk + head) per task; the single-task baseline.",
  options: Options,
  build(spec, _o, { inputShape, outputs, rng }) {
    const nets = outputs.map((out, i) => {
      const trunk = trunkBlocks(spec, inputShape, rng, `net${i}`);
      return [...trunk, ...headBlocks(spec, outSizeOf(trunk, inputShape), out, rng, `net${i}_head`)];
    });
    return {
      ...denseNets(nets),
      shared: [],
      perTask: nets.map(varsOf),
      lastShared: [],
      forward: (x) => nets.map((n) => applyAll(n, x) as never),
    };
  },
};

export const logistic: ArchitectureModule<typeof Options> = {
  name: "logistic",
  description: "A linear model per task (softmax regression / linear regression); ignores hidden and head.",
  options: Options,
  build(_spec, _o, { inputShape, outputs, rng }) {
    const d = inputSize(inputShape);
    const nets = outputs.map((out, i) => headBlocks({ ..._spec, head: [] }, d, out, rng, `linear${i}`));
    return {
      ...denseNets(nets),
      shared: [],
      perTask: nets.map(varsOf),
      lastShared: [],
      forward: (x) => nets.map((n) => applyAll(n, x) as never),
    };
  },
};
