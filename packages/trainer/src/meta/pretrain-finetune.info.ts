/** `pretrain-finetune`: its descriptor (no TensorFlow.js); the implementation is pretrain-finetune.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
import { episodicOptions } from "./episodic-options.ts";
export const Options = episodicOptions
  .extend({
    fineTune: z.enum(["whole", "head"]).default("whole").describe("parameters fine-tuned on a new task"),
    fineTuneLr: z.number().positive().default(0.01).describe("fine-tuning step size"),
    fineTuneOptimizer: z.enum(["sgd", "adam"]).default("sgd").describe("fine-tuning optimiser"),
  })
  .strict();
export type Options = typeof Options;

export const pretrainFinetuneInfo = defineStrategy({
  name: "pretrain-finetune",
  description:
    "Baseline of MAML: pretrain on pooled meta-training tasks, fine-tune on each new task (whole or head).",
  options: Options,
  family: "meta",
  taskWeights: "ignored",
  needs: () => ({ taskFamily: true }),
  load: async () => (await import("./pretrain-finetune.ts")).implementation,
});
