/** Distillation and transfer through runTrial, on an ordinary multi-task dataset. */
import { type EpochReport, TrialConfig } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.ts";
import { runTrial } from "../train.ts";

beforeAll(() => initBackend("wasm"));

const trial = (strategy: unknown, epochs = 6) =>
  TrialConfig.parse({
    experiment: "phased-test",
    seed: 2,
    dataset: { name: "classification", options: { n_samples: 1200, n_classes: 3 } },
    tasks: [
      { name: "a", target: "task1", kind: "classification", metric: "accuracy" },
      { name: "b", target: "task2", kind: "classification", metric: "accuracy" },
    ],
    model: { architecture: "hard-sharing", hidden: [8] },
    strategy,
    training: { epochs, batchSize: 64, learningRate: 0.01 },
    backend: "wasm",
  });

const kl = (r: EpochReport | undefined) =>
  r?.metrics.filter((m) => m.split === "test" && m.name === "teacher_kl").reduce((s, m) => s + m.value, 0) ??
  Number.NaN;

describe("distill", () => {
  it("moves the student's outputs toward the teacher's soft targets", async () => {
    const run = async (alpha: number) => {
      const reports: EpochReport[] = [];
      const outcome = await runTrial(
        trial(
          { name: "distill", options: { alpha, temperature: 2, teacherEpochs: 3, teacherHidden: [64, 64] } },
          9,
        ),
        {
          onEpoch: (r) => void reports.push(r),
        },
      );
      expect(outcome.status).toBe("completed");
      return reports;
    };
    const before = tf.memory().numTensors;
    const soft = await run(1);
    const hard = await run(0);
    expect(tf.memory().numTensors).toBe(before);
    // Teacher epochs 1–3 report no KL; student epochs 4–9 do.
    expect(soft.slice(0, 3).every((r) => Number.isNaN(kl(r)) || kl(r) === 0)).toBe(true);
    const [first, last] = [kl(soft[3]), kl(soft[8])];
    expect(last).toBeLessThan(0.7 * first);
    // Matching soft targets brings the student closer to its teacher than hard labels do.
    expect(last).toBeLessThan(0.85 * kl(hard[8]));
  }, 60_000);
});

describe("transfer", () => {
  it("pretrains on the sources, then fine-tunes the target head only", async () => {
    const reports: EpochReport[] = [];
    const outcome = await runTrial(
      trial({ name: "transfer", options: { target: "b", fineTune: "head" } }, 4),
      {
        onEpoch: (r) => void reports.push(r),
      },
    );
    expect(outcome).toMatchObject({ status: "completed", epochs: 4 });
    expect(reports.map((r) => r.weights)).toEqual([
      { a: 1, b: 0 },
      { a: 1, b: 0 },
      { a: 0, b: 1 },
      { a: 0, b: 1 },
    ]);
    const metric = (r: EpochReport | undefined, task: string) =>
      r?.metrics.find((m) => m.task === task && m.split === "val" && m.name === "loss")?.value as number;
    // Head-only fine-tuning leaves the source task's model untouched, and improves the target.
    expect(metric(reports[3], "a")).toBeCloseTo(metric(reports[1], "a"), 6);
    expect(metric(reports[3], "b")).toBeLessThan(metric(reports[1], "b"));
  }, 30_000);
});
