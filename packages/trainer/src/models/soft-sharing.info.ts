/** `soft-sharing`: its descriptor (no TensorFlow.js); the implementation is soft-sharing.ts. */
import { z } from "zod";
import { defineArchitecture } from "../descriptors.ts";
export const Options = z
  .object({ lambda: z.number().min(0).default(0.01).describe("λ, strength of the tie between towers") })
  .strict();
export type Options = typeof Options;

export const softSharingInfo = defineArchitecture({
  name: "soft-sharing",
  description: "A tower per task with an L2 penalty λ·Σ‖θ_i − θ̄‖² pulling the towers together.",
  options: Options,
  multiTask: true,
  trunks: ["mlp", "cnn"],
  sharedParameters: false,
  sharedRepresentation: false,
  load: async () => (await import("./soft-sharing.ts")).implementation,
});
