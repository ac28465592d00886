/** `dwa`: its descriptor (no TensorFlow.js); the implementation is dwa.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
export const Options = z
  .object({ temperature: z.number().positive().default(2).describe("τ, the softmax temperature") })
  .strict();
export type Options = typeof Options;

export const dwaInfo = defineStrategy({
  name: "dwa",
  description: "Dynamic Weight Average: λ from the ratio of the last two epochs' losses (τ = 2).",
  options: Options,
  family: "loss",
  taskWeights: "ignored",
  load: async () => (await import("./dwa.ts")).implementation,
});
