/** Hard parameter sharing (Caruana 1997): one shared trunk, one head per task. */

import type { Options } from "./hard-sharing.info.ts";
import {
  applyAll,
  type DenseLayer,
  denseLayersOf,
  headBlocks,
  outSizeOf,
  trunkBlocks,
  varsOf,
} from "./layers.ts";
import type { ArchitectureModule } from "./types.ts";

export const implementation: Pick<ArchitectureModule<typeof Options>, "build"> = {
  build(spec, _o, { inputShape, outputs, rng }) {
    const trunk = trunkBlocks(spec, inputShape, rng, "trunk");
    const size = outSizeOf(trunk, inputShape);
    const heads = outputs.map((out, i) => headBlocks(spec, size, out, rng, `head${i}`));
    const encode = (x: Parameters<typeof applyAll>[1]) => applyAll(trunk, x);
    const decode = (z: Parameters<typeof applyAll>[1]) => heads.map((h) => applyAll(h, z) as never);
    const denseTrunk = denseLayersOf(trunk);
    const denseHeads = heads.map(denseLayersOf);
    return {
      ...(denseTrunk && denseHeads.every((h) => h)
        ? { dense: { trunk: denseTrunk, heads: denseHeads as DenseLayer[][] } }
        : {}),
      shared: varsOf(trunk),
      perTask: heads.map(varsOf),
      lastShared: trunk.length > 0 ? (trunk[trunk.length - 1]?.vars ?? []) : [],
      forward: (x) => decode(encode(x)),
      split: { encode, decode },
    };
  },
};
