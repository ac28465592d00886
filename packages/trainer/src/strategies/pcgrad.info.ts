/** `pcgrad`: its descriptor (no TensorFlow.js); the implementation is pcgrad.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
export const Options = z.object({}).strict();
export type Options = typeof Options;

export const pcgradInfo = defineStrategy({
  name: "pcgrad",
  description: "PCGrad: project away the conflicting component of each task gradient, then sum.",
  options: Options,
  family: "gradients",
  taskWeights: "ignored",
  load: async () => (await import("./pcgrad.ts")).implementation,
});
