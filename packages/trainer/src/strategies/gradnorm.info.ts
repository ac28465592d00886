/** `gradnorm`: its descriptor (no TensorFlow.js); the implementation is gradnorm.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
export const Options = z
  .object({
    alpha: z.number().min(0).default(1.5).describe("α, strength of the pull towards equal training rates"),
    lr: z.number().positive().default(0.025).describe("learning rate of the weights λ (Adam)"),
  })
  .strict();
export type Options = typeof Options;

export const gradnormInfo = defineStrategy({
  name: "gradnorm",
  description: "GradNorm: adapt λ so that task gradient norms at the last shared layer train at equal rates.",
  options: Options,
  family: "gradients",
  taskWeights: "initial",
  load: async () => (await import("./gradnorm.ts")).implementation,
});
