/** `uncertainty`: its descriptor (no TensorFlow.js); the implementation is uncertainty.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
export const Options = z
  .object({ init: z.number().default(-0.5).describe("initial s_i = log σ_i²") })
  .strict();
export type Options = typeof Options;

export const uncertaintyInfo = defineStrategy({
  name: "uncertainty",
  description: "Homoscedastic uncertainty weighting: L = Σ ½e^{−s_i}L_i + ½s_i with learned s_i.",
  options: Options,
  family: "loss",
  taskWeights: "ignored",
  load: async () => (await import("./uncertainty.ts")).implementation,
});
