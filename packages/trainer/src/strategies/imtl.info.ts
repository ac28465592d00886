/** `imtl`: its descriptor (no TensorFlow.js); the implementation is imtl.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
export const Options = z.object({}).strict();
export type Options = typeof Options;

export const imtlInfo = defineStrategy({
  name: "imtl",
  description: "IMTL-G: the combination of task gradients with equal projections on every task's direction.",
  options: Options,
  family: "gradients",
  taskWeights: "ignored",
  load: async () => (await import("./imtl.ts")).implementation,
});
