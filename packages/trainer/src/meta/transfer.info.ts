/** `transfer`: its descriptor (no TensorFlow.js); the implementation is transfer.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
export const Options = z
  .object({
    target: z.string().optional().describe("the target task (default: the last task)"),
    sources: z.array(z.string()).min(1).optional().describe("source tasks (default: every other task)"),
    pretrainEpochs: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("epochs on the sources (default: half of training.epochs)"),
    fineTune: z
      .enum(["whole", "head"])
      .default("whole")
      .describe("fine-tune the whole model or the target's head only"),
    fineTuneLr: z
      .number()
      .positive()
      .optional()
      .describe("fine-tuning learning rate (default: training.learningRate)"),
  })
  .strict();
export type Options = typeof Options;

export const transferInfo = defineStrategy({
  name: "transfer",
  description: "Pretrain on source tasks, then fine-tune on the target task (whole model or head only).",
  options: Options,
  family: "meta",
  taskWeights: "ignored",
  needs: () => ({ sharedParameters: true }),
  load: async () => (await import("./transfer.ts")).implementation,
});
