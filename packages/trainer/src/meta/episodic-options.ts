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

/** The loss and metric a task of a family of this kind must have (episodic strategies score them). */
export function familyTaskRule(kind: "regression" | "classification"): { loss: string; metric: string } {
  return kind === "regression"
    ? { loss: "mse", metric: "mse" }
    : { loss: "cross-entropy", metric: "accuracy" };
}
