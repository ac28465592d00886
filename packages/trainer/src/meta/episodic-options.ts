/** Options every episodic strategy has (no TensorFlow.js: its descriptors use them). */
import { z } from "zod";

export const episodicOptions = z
  .object({
    metaBatch: z.number().int().min(1).max(1000).default(25).describe("tasks per meta-iteration (B)"),
    iterationsPerEpoch: z
      .number()
      .int()
      .min(1)
      .max(100000)
      .default(100)
      .describe("meta-iterations between two reports (an epoch of the trial)"),
  })
  .strict();
