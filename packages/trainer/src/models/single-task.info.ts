/** `single-task`, `logistic`: their descriptors (no TensorFlow.js); the implementation is single-task.ts. */
import { z } from "zod";
import { defineArchitecture } from "../descriptors.ts";
export const Options = z.object({}).strict();
export type Options = typeof Options;

export const singleTaskInfo = defineArchitecture({
  name: "single-task",
  description: "One independent network (trunk + head) per task; the single-task baseline.",
  options: Options,
  multiTask: false,
  trunks: ["mlp", "cnn"],
  sharedParameters: false,
  sharedRepresentation: false,
  load: async () => (await import("./single-task.ts")).singleTask,
});

export const logisticInfo = defineArchitecture({
  name: "logistic",
  description: "A linear model per task (softmax regression / linear regression); ignores hidden and head.",
  options: Options,
  multiTask: false,
  trunks: ["mlp"],
  sharedParameters: false,
  sharedRepresentation: false,
  load: async () => (await import("./single-task.ts")).logistic,
});
