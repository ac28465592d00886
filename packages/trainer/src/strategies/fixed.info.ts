/** `fixed`: its descriptor (no TensorFlow.js); the implementation is fixed.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
export const Options = z.object({}).strict();
export type Options = typeof Options;

export const fixedInfo = defineStrategy({
  name: "fixed",
  description: "Fixed task weights λ from the trial's `weights` (1 where absent): L = Σ λ_i L_i.",
  options: Options,
  family: "loss",
  taskWeights: "fixed",
  load: async () => (await import("./fixed.ts")).implementation,
});
