import { BuiltinTrialConfig } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { runTrial } from "../train.ts";

describe("cnn trunk", () => {
  it("trains mnist-multitask on wasm, learns, and frees its tensors", async () => {
    const config = BuiltinTrialConfig.parse({
      experiment: "t",
      seed: 1,
      dataset: { name: "mnist-multitask", options: { n_samples: 800 } },
      tasks: [
        { name: "digit", target: "digit", kind: "classification", metric: "accuracy" },
        { name: "parity", target: "parity", kind: "classification", metric: "accuracy" },
      ],
      model: { architecture: "hard-sharing", trunk: "cnn", hidden: [32] },
      strategy: "equal",
      training: { epochs: 2, batchSize: 32 },
      backend: "wasm",
    });
    await runTrial({ ...config, training: { ...config.training, epochs: 1 } }); // warm-up
    const before = tf.memory().numTensors;
    const outcome = await runTrial(config);
    expect(tf.memory().numTensors).toBe(before);
    expect(outcome.status).toBe("completed");
    expect(outcome.backend).toBe("wasm");
    // Chance is 0.1 and 0.5.
    expect(outcome.final?.digit?.val?.accuracy).toBeGreaterThan(0.5);
    expect(outcome.final?.parity?.val?.accuracy).toBeGreaterThan(0.65);
  }, 60_000);
});
