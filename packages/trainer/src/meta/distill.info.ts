/** `distill`: its descriptor (no TensorFlow.js); the implementation is distill.ts. */
import { z } from "zod";
import { defineStrategy } from "../descriptors.ts";
export const Options = z
  .object({
    alpha: z.number().min(0).max(1).default(0.5).describe("weight α of the soft-target term"),
    temperature: z.number().positive().default(4).describe("softmax temperature T"),
    teacherEpochs: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("epochs of teacher training (default: half of training.epochs)"),
    teacher: z
      .enum(["multi-task", "per-task"])
      .default("multi-task")
      .describe("one hard-sharing teacher, or one network per task"),
    teacherHidden: z
      .array(z.number().int().positive())
      .optional()
      .describe("teacher hidden widths (default: model.hidden)"),
  })
  .strict();

export type Options = typeof Options;

export const distillInfo = defineStrategy({
  name: "distill",
  description:
    "Knowledge distillation (Hinton et al. 2015): teacher first, then student on (1−α)·CE + α·T²·KL.",
  options: Options,
  family: "meta",
  taskWeights: "ignored",
  load: async () => (await import("./distill.ts")).implementation,
});
