/** `mgda`: its descriptor (no TensorFlow.js); the implementation is mgda.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
export const Options = z
  .object({
    ub: z.boolean().default(false).describe("MGDA-UB: gradients w.r.t. the shared representation"),
    normalize: z.enum(["none", "l2", "loss", "loss+"]).default("none").describe("gradient normalisation"),
  })
  .strict();
export type Options = typeof Options;

export const mgdaInfo = defineStrategy({
  name: "mgda",
  description: "MGDA: min-norm convex combination of task gradients (ub: MGDA-UB on the representation).",
  options: Options,
  family: "gradients",
  taskWeights: "ignored",
  needs: (o) => ({ sharedRepresentation: o.ub }),
  load: async () => (await import("./mgda.ts")).implementation,
});
