/** `rlw`: its descriptor (no TensorFlow.js); the implementation is rlw.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
export const Options = z.object({}).strict();
export type Options = typeof Options;

export const rlwInfo = defineStrategy({
  name: "rlw",
  description: "Random loss weighting: λ = softmax(ε), ε ~ N(0, I) drawn every step.",
  options: Options,
  family: "loss",
  taskWeights: "ignored",
  load: async () => (await import("./rlw.ts")).implementation,
});
