/** `cagrad`: its descriptor (no TensorFlow.js); the implementation is cagrad.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
export const Options = z
  .object({
    c: z
      .number()
      .min(0)
      .default(0.5)
      .describe("radius of the ball around the mean gradient, relative to ‖g₀‖"),
    rescale: z.boolean().default(true).describe("divide the update by 1 + c² (LibMTL)"),
  })
  .strict();
export type Options = typeof Options;

export const cagradInfo = defineStrategy({
  name: "cagrad",
  description:
    "CAGrad: the update in a ball around the mean gradient that best helps the worst task (c = 0.5).",
  options: Options,
  family: "gradients",
  taskWeights: "ignored",
  load: async () => (await import("./cagrad.ts")).implementation,
});
