/** `nash-mtl`: its descriptor (no TensorFlow.js); the implementation is nash-mtl.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
export const Options = z
  .object({
    maxNorm: z.number().min(0).default(1).describe("clip ‖d‖ of the shared update to this (0: no clipping)"),
  })
  .strict();
export type Options = typeof Options;

export const nashMtlInfo = defineStrategy({
  name: "nash-mtl",
  description: "Nash-MTL: the bargaining solution GᵀGα = 1/α; every task's loss decreases.",
  options: Options,
  family: "gradients",
  taskWeights: "ignored",
  load: async () => (await import("./nash-mtl.ts")).implementation,
});
