/** `cross-stitch`: its descriptor (no TensorFlow.js); the implementation is cross-stitch.ts. */
import { z } from "zod";
import { defineArchitecture } from "../descriptors.ts";
export const Options = z
  .object({
    self: z.number().min(0).max(1).default(0.9).describe("initial weight of a task's own activations"),
  })
  .strict();
export type Options = typeof Options;

export const crossStitchInfo = defineArchitecture({
  name: "cross-stitch",
  description: "A tower per task with learned linear mixing (cross-stitch units) after every block.",
  options: Options,
  multiTask: true,
  trunks: ["mlp", "cnn"],
  sharedParameters: true,
  sharedRepresentation: false,
  load: async () => (await import("./cross-stitch.ts")).implementation,
});
