/** `equal`: its descriptor (no TensorFlow.js); the implementation is equal.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
export const Options = z.object({}).strict();
export type Options = typeof Options;

export const equalInfo = defineStrategy({
  name: "equal",
  description: "Equal weights: L = Σ L_i.",
  options: Options,
  family: "loss",
  taskWeights: "ignored",
  load: async () => (await import("./equal.ts")).implementation,
});
