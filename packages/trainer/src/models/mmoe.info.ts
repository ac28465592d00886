/** `mmoe`: its descriptor (no TensorFlow.js); the implementation is mmoe.ts. */
import { z } from "zod";
import { defineArchitecture } from "../descriptors.ts";
export const Options = z
  .object({ experts: z.number().int().min(1).default(4).describe("number of experts") })
  .strict();
export type Options = typeof Options;

export const mmoeInfo = defineArchitecture({
  name: "mmoe",
  description: "Multi-gate mixture of experts: shared experts, a softmax gate and a head per task.",
  options: Options,
  multiTask: true,
  trunks: ["mlp", "cnn"],
  sharedParameters: true,
  sharedRepresentation: false,
  load: async () => (await import("./mmoe.ts")).implementation,
});
