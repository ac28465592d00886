import { BuiltinTrialConfig, type EpochReport, Rng } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  hasOwnLoop,
  listArchitectures,
  listDatasets,
  listStrategies,
  registerDataset,
  runTrial,
  warmUp,
} from "./index.ts";
import { strategies } from "./registries.ts";

const base = {
  experiment: "t",
  seed: 3,
  dataset: { name: "classification", options: { n_samples: 400 } },
  tasks: [
    { name: "a", target: "task1", kind: "classification", metric: "accuracy" },
    { name: "b", target: "task2", kind: "classification", metric: "f1" },
  ],
  model: { architecture: "hard-sharing", hidden: [16] },
  strategy: "equal",
  training: { epochs: 3, batchSize: 32, learningRate: 0.01 },
  backend: "wasm",
};
const config = (over: Record<string, unknown> = {}) => BuiltinTrialConfig.parse({ ...base, ...over });

// Two linear regression tasks with Gaussian noise σ = 1 and σ = 0.1.
registerDataset({
  name: "test-noisy-linear",
  description: "test only",
  options: z.object({ scale: z.number().default(1) }).strict(),
  load(o, ctx) {
    const rng = new Rng(ctx.seed);
    const n = 2000;
    const d = 4;
    const x = Float32Array.from({ length: n * d }, () => rng.normal());
    const clean = Array.from({ length: n }, (_, i) => x[i * d]! - 2 * x[i * d + 1]! + 0.5 * x[i * d + 2]!);
    return {
      n,
      inputShape: [d],
      x,
      targets: {
        noisy: { kind: "regression", values: Float32Array.from(clean, (v) => o.scale * (v + rng.normal())) },
        clean: {
          kind: "regression",
          values: Float32Array.from(clean, (v) => o.scale * (v + 0.1 * rng.normal())),
        },
      },
    };
  },
});

describe("runTrial", () => {
  it("trains, reports every metric per task and split each epoch, and frees its tensors", async () => {
    const reports: EpochReport[] = [];
    await runTrial(config({ training: { epochs: 1, batchSize: 32 } })); // warm the backend and cache
    const before = tf.memory().numTensors;
    const out = await runTrial(config(), { onEpoch: (r) => void reports.push(r) });
    expect(tf.memory().numTensors).toBe(before);
    expect(out).toMatchObject({ status: "completed", epochs: 3, backend: "wasm" });
    expect(reports.map((r) => r.epoch)).toEqual([1, 2, 3]);
    const names = new Set(reports[0]?.metrics.map((m) => `${m.task}/${m.split}/${m.name}`));
    for (const task of ["a", "b"])
      for (const split of ["train", "val", "test"])
        for (const metric of ["loss", "accuracy", "f1"])
          expect(names).toContain(`${task}/${split}/${metric}`);
    expect(reports[0]?.weights).toEqual({ a: 1, b: 1 });
    expect(out.final?.a?.val?.accuracy).toBe(
      reports[2]?.metrics.find((m) => m.task === "a" && m.split === "val" && m.name === "accuracy")?.value,
    );
    // It learned something: better than chance on a separable problem.
    expect(out.final?.a?.test?.accuracy).toBeGreaterThan(0.7);
  });

  it("is deterministic for the same config and seed, and differs for another seed", async () => {
    const c = config({ strategy: "pcgrad" });
    const [x, y, z2] = [await runTrial(c), await runTrial(c), await runTrial({ ...c, seed: 4 })];
    expect(y.final).toEqual(x.final);
    expect(z2.final).not.toEqual(x.final);
  });

  it("fails the trial, without throwing, on a non-finite loss", async () => {
    const out = await runTrial(
      config({
        dataset: { name: "test-noisy-linear", options: { scale: 1e30 } },
        tasks: [{ name: "n", target: "noisy", kind: "regression", metric: "mse" }],
      }),
    );
    expect(out.status).toBe("failed");
    expect(out.error).toBe("non-finite loss in task n at epoch 1");
  });

  it("rejects unknown names and invalid options with a message naming them", async () => {
    await expect(runTrial(config({ strategy: "nope" }))).rejects.toThrow(/unknown strategy "nope"/);
    await expect(runTrial(config({ model: { architecture: "nope" } }))).rejects.toThrow(
      /unknown architecture "nope"/,
    );
    await expect(runTrial(config({ dataset: { name: "nope" } }))).rejects.toThrow(/unknown dataset "nope"/);
    await expect(runTrial(config({ strategy: { name: "cagrad", options: { c: -1 } } }))).rejects.toThrow(
      /invalid options for strategy "cagrad": c:/,
    );
    await expect(
      runTrial(
        config({ tasks: [{ name: "x", target: "task9", kind: "classification", metric: "accuracy" }] }),
      ),
    ).rejects.toThrow(/no output "task9"/);
  });

  it("stops with the status shouldStop returns", async () => {
    let polls = 0;
    const out = await runTrial(config(), { shouldStop: () => (++polls > 15 ? "pruned" : null) });
    expect(out.status).toBe("pruned");
    expect(out.epochs).toBe(1); // 9 batches an epoch: the 16th poll falls in epoch 2
    expect(out.final?.a?.val?.accuracy).toBeTypeOf("number");
  });

  it("runs every architecture and strategy", async () => {
    // Strategies with their own loop (meta-learning, transfer, distillation) are tested in src/meta.
    const strategies = listStrategies()
      .map((s) => s.name)
      .filter((n) => !hasOwnLoop(n));
    for (const s of strategies) {
      const out = await runTrial(config({ strategy: s, training: { epochs: 1, batchSize: 64 } }));
      expect(out.status, s).toBe("completed");
    }
    for (const a of listArchitectures().map((x) => x.name)) {
      const out = await runTrial(
        config({ model: { architecture: a, hidden: [8] }, training: { epochs: 1, batchSize: 64 } }),
      );
      expect(out.status, a).toBe("completed");
    }
    expect(listDatasets().map((d) => d.name)).toEqual(
      expect.arrayContaining(["classification", "correlated-regression", "mnist-multitask", "csv"]),
    );
  });
});

describe("uncertainty weighting (Kendall et al.)", () => {
  it("learns e^{-s} in the ratio of the inverse noise variances (σ = 1 vs 0.1 → ≈100)", async () => {
    const reports: EpochReport[] = [];
    await runTrial(
      config({
        dataset: { name: "test-noisy-linear", split: { val: 0.1, test: 0.1 } },
        tasks: [
          { name: "noisy", kind: "regression", metric: "mse" },
          { name: "clean", kind: "regression", metric: "mse" },
        ],
        model: { architecture: "logistic" },
        strategy: "uncertainty",
        training: { epochs: 12, batchSize: 32, learningRate: 0.05 },
      }),
      { onEpoch: (r) => void reports.push(r) },
    );
    const w = reports[reports.length - 1]?.weights as Record<string, number>;
    const ratio = (w.clean as number) / (w.noisy as number);
    expect(ratio).toBeGreaterThan(60);
    expect(ratio).toBeLessThan(160);
  });
});

describe("gradnorm (Chen et al.)", () => {
  it("moves λ until the weighted gradient norms λ_i‖∇_W L_i‖ agree", () => {
    const gradnorm = strategies.resolve("gradnorm", {});
    const s = gradnorm.item.create(gradnorm.options, {
      tasks: ["a", "b"],
      initialWeights: [1, 1],
      rng: new Rng(0),
    });
    if (s.kind !== "gradients") throw new Error("expected a gradient strategy");
    // Task b's gradient is 20× larger (a loss on a 20× scale); both train at the same rate.
    const lastGram = [
      [1, 0],
      [0, 400],
    ];
    let G = [0, 0];
    for (let t = 0; t < 400; t++) {
      const { shared } = s.combine({ gram: lastGram, lastGram, losses: [1 - t / 1000, 1 - t / 1000] });
      G = [shared[0] as number, 20 * (shared[1] as number)];
    }
    expect(Math.max(...G) / Math.min(...G)).toBeLessThan(1.3); // from 20× at the start
    expect(s.weights().reduce((a, b) => a + b, 0)).toBeCloseTo(2, 6);
  });
});

describe("warmUp", () => {
  it("trains its made-up run and stops at its time budget", async () => {
    // A clock that passes the budget after the run's first check: the warm-up stops there.
    let reads = 0;
    const clock = () => (reads++ < 2 ? 0 : 10_000);
    expect(await warmUp("cpu", 300, clock)).toBe(10_000);
    // It asked the clock while training and stopped at the first answer past the budget (a run
    // that went on would ask once per step, hundreds of times).
    expect(reads).toBeGreaterThan(2);
    expect(reads).toBeLessThan(8);
    const before = tf.memory().numTensors;
    expect(await warmUp("wasm")).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
