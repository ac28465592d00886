/** `maml` and `fomaml`: their descriptors (no TensorFlow.js); the implementation is maml.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
import { episodicOptions } from "./episodic-options.ts";
export const Options = episodicOptions
  .extend({
    innerSteps: z.number().int().min(1).max(20).default(1).describe("inner gradient steps per task (k)"),
    innerLr: z.number().positive().default(0.01).describe("inner step size α"),
    firstOrder: z.boolean().default(false).describe("drop the second-order term (FOMAML)"),
    evalLr: z
      .number()
      .positive()
      .optional()
      .describe("step size when adapting at meta-test (default: innerLr)"),
  })
  .strict();
export type Options = typeof Options;

const episodicStrategy = {
  family: "meta",
  taskWeights: "ignored",
  needs: () => ({ taskFamily: true }),
} as const;

export const mamlInfo = defineStrategy({
  name: "maml",
  description:
    "MAML (Finn et al. 2017): θ' = θ − α∇L_support(θ); outer step on Σ L_query(θ'). Second-order unless firstOrder.",
  options: Options,
  ...episodicStrategy,
  load: async () => (await import("./maml.ts")).implementation("maml"),
});

/** First-order MAML under its own name, so sweeps, leaderboards and comparisons list it apart. */
export const fomamlInfo = defineStrategy({
  name: "fomaml",
  description: "First-order MAML (Finn et al. 2017, §5.2): maml with firstOrder: true by default.",
  options: Options.extend({
    firstOrder: z.boolean().default(true).describe("drop the second-order term (FOMAML)"),
  }).strict(),
  ...episodicStrategy,
  load: async () => (await import("./maml.ts")).implementation("fomaml"),
});
