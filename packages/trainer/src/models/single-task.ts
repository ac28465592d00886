/**
 * Independent models, one per task (the baseline of every comparison), and `logistic`, a linear
 * model per task. They are trained jointly, on the summed loss, but share no parameter: each
 * parameter's gradient then comes from its own task alone, and Adam's per-parameter update is the
 * same as training each model separately (with SGD too, as long as the loss weights are equal).
 */
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
import type { Options } from "./single-task.info.ts";
import type { ArchitectureModule, Model } from "./types.ts";

/** Independent dense networks as a dense model with no trunk. */
function denseNets(nets: Block[][]): Pick<Model, "dense"> {
  const heads = nets.map(denseLayersOf);
  return heads.every((h) => h) ? { dense: { trunk: [], heads: heads as DenseLayer[][] } } : {};
}

export const singleTask: Pick<ArchitectureModule<typeof Options>, "build"> = {
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

export const logistic: Pick<ArchitectureModule<typeof Options>, "build"> = {
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
