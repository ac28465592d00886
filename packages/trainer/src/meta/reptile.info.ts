/** `reptile`: its descriptor (no TensorFlow.js); the implementation is reptile.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
import { episodicOptions } from "./episodic-options.ts";
export const Options = episodicOptions
  .extend({
    innerSteps: z.number().int().min(1).max(100).default(5).describe("inner steps per task (k)"),
    innerLr: z.number().positive().default(0.02).describe("inner step size"),
    innerOptimizer: z.enum(["sgd", "adam"]).default("sgd").describe("inner optimiser"),
    outerStepSize: z.number().positive().max(1).default(1).describe("outer step size ε"),
    decay: z.boolean().default(true).describe("decay ε linearly to 0 over the trial"),
    evalLr: z
      .number()
      .positive()
      .optional()
      .describe("step size when adapting at meta-test (default: innerLr)"),
  })
  .strict();
export type Options = typeof Options;

export const reptileInfo = defineStrategy({
  name: "reptile",
  description:
    "Reptile (Nichol et al. 2018): k inner steps from θ to W per task, then θ ← θ + ε(mean W − θ).",
  options: Options,
  family: "meta",
  taskWeights: "ignored",
  needs: () => ({ taskFamily: true }),
  load: async () => (await import("./reptile.ts")).implementation,
});
