/** `gls`: its descriptor (no TensorFlow.js); the implementation is gls.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
export const Options = z.object({}).strict();
export type Options = typeof Options;

export const glsInfo = defineStrategy({
  name: "gls",
  description: "Geometric loss strategy: L = (Π L_i)^{1/T}.",
  options: Options,
  family: "loss",
  taskWeights: "ignored",
  load: async () => (await import("./gls.ts")).implementation,
});
