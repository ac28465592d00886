/** `hard-sharing`: its descriptor (no TensorFlow.js); the implementation is hard-sharing.ts. */
import { z } from "zod";
import { defineArchitecture } from "../descriptors.ts";
export const Options = z.object({}).strict();
export type Options = typeof Options;

export const hardSharingInfo = defineArchitecture({
  name: "hard-sharing",
  description: "Shared trunk (mlp or cnn) with one head per task.",
  options: Options,
  multiTask: true,
  trunks: ["mlp", "cnn"],
  sharedParameters: true,
  sharedRepresentation: true,
  load: async () => (await import("./hard-sharing.ts")).implementation,
});
