/**
 * Meta-learning through runTrial: the MAML paper's sinusoid claim, and the TrainHooks contract
 * (reports, stop requests, non-finite losses, no leaked tensors).
 */
import { BuiltinTrialConfig, type EpochReport } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.ts";
import { runTrial } from "../train.ts";

beforeAll(() => initBackend("wasm"));

const sinusoidTrial = (strategy: unknown, epochs = 5, extra: Record<string, unknown> = {}) =>
  BuiltinTrialConfig.parse({
    experiment: "meta-test",
    seed: 1,
    dataset: { name: "sinusoid", options: { evalTasks: 50 } },
    tasks: [{ name: "sinusoid", kind: "regression", metric: "mse" }],
    model: { hidden: [40, 40] },
    strategy,
    training: { epochs, learningRate: 3e-3, batchSize: 250 },
    backend: "wasm",
    ...extra,
  });

const testMetric = (outcome: Awaited<ReturnType<typeof runTrial>>, name: string) =>
  outcome.final?.sinusoid?.test?.[name] as number;

describe("episodic strategies on sinusoids", () => {
  it("MAML's one-step query MSE on held-out tasks is far below the pretrained baseline's", async () => {
    // 500 meta-iterations of 25 tasks each, the same budget of steps for both.
    const maml = await runTrial(sinusoidTrial("maml"));
    const pretrained = await runTrial(sinusoidTrial("pretrain-finetune"));
    expect(maml.status).toBe("completed");
    expect(pretrained.status).toBe("completed");
    const m1 = testMetric(maml, "query_mse@1");
    const p1 = testMetric(pretrained, "query_mse@1");
    expect(m1).toBeLessThan(0.5 * p1);
    // One step of adaptation is what MAML learned to exploit.
    expect(m1).toBeLessThan(0.6 * testMetric(maml, "query_mse@0"));
    expect(testMetric(maml, "mse")).toBe(m1);
  }, 60_000);

  it("reports every epoch in runTrial's shapes and leaks no tensors", async () => {
    const reports: EpochReport[] = [];
    const before = tf.memory().numTensors;
    const outcome = await runTrial(
      sinusoidTrial({ name: "reptile", options: { iterationsPerEpoch: 20, metaBatch: 5 } }, 2),
      { onEpoch: (r) => void reports.push(r) },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(outcome).toMatchObject({ status: "completed", epochs: 2, backend: "wasm" });
    expect(reports.map((r) => r.epoch)).toEqual([1, 2]);
    const names = (split: string) => reports[1]?.metrics.filter((m) => m.split === split).map((m) => m.name);
    expect(names("train")).toEqual(["loss", "mse"]);
    expect(names("test")).toEqual([
      "query_mse@0",
      "query_mse@1",
      "query_mse@5",
      "query_mse@10",
      "loss",
      "mse",
      "mae",
    ]);
    expect(reports[1]?.weights).toEqual({ sinusoid: 1 });
    expect(outcome.final?.sinusoid?.val?.mse).toBe(
      reports[1]?.metrics.find((m) => m.split === "val" && m.name === "mse")?.value,
    );
  }, 30_000);

  it("stops between meta-iterations when asked", async () => {
    let polls = 0;
    const outcome = await runTrial(
      sinusoidTrial({ name: "maml", options: { iterationsPerEpoch: 10, metaBatch: 5 } }, 3),
      {
        shouldStop: () => (++polls > 15 ? "pruned" : null),
      },
    );
    expect(outcome).toMatchObject({ status: "pruned", epochs: 1 });
    expect(outcome.final?.sinusoid?.test?.mse).toBeGreaterThan(0);
  });

  it("fails the trial on a non-finite loss", async () => {
    const outcome = await runTrial(
      sinusoidTrial(
        { name: "maml", options: { innerLr: 1e6, firstOrder: true, iterationsPerEpoch: 5, metaBatch: 5 } },
        2,
      ),
    );
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(/non-finite/);
  });

  it("completes a trial whose held-out scores diverge, reporting them as non-finite values", async () => {
    // Meta-training is sound (innerLr 0.01); adapting to held-out tasks with evalLr 1e4 blows up
    // after a few steps: query_mse@10 is data about the trial, not a reason to fail it.
    const reports: EpochReport[] = [];
    const outcome = await runTrial(
      sinusoidTrial({ name: "maml", options: { evalLr: 1e4, iterationsPerEpoch: 3, metaBatch: 5 } }, 2),
      { onEpoch: (r) => void reports.push(r) },
    );
    expect(outcome).toMatchObject({ status: "completed", epochs: 2 });
    expect(outcome.error).toBeUndefined();
    const at10 = outcome.final?.sinusoid?.test?.["query_mse@10"] as number;
    expect(Number.isFinite(at10)).toBe(false);
    expect(Number.isFinite(outcome.final?.sinusoid?.test?.["query_mse@0"] as number)).toBe(true);
    expect(Number.isFinite(outcome.final?.sinusoid?.train?.loss as number)).toBe(true);
    const reported = reports[1]?.metrics.find((m) => m.split === "val" && m.name === "query_mse@10");
    expect(Number.isFinite(reported?.value as number)).toBe(false);
  });

  it("rejects a task that does not fit the family, and a plain dataset", async () => {
    await expect(
      runTrial(sinusoidTrial("maml", 1, { tasks: [{ name: "s", kind: "regression", metric: "mae" }] })),
    ).rejects.toThrow(/expected kind "regression", loss "mse" and metric "mse"/);
    await expect(runTrial(sinusoidTrial("maml", 1, { dataset: { name: "classification" } }))).rejects.toThrow(
      /needs a task family/,
    );
  });
});
