/**
 * Smoke runs (`mtl check`): one short epoch on a small sample of the data, evaluated on small
 * samples, through every kind of loop (standard, phased, episodic).
 */
import { TrialConfig } from "@mtl/spec";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend.ts";
import type { TrainHooks } from "./hooks.ts";
import { runTrial } from "./train.ts";

beforeAll(() => initBackend("wasm"));

const smoke = { samples: 64, epochs: 1 };

/** Runs a smoke trial; the rows each evaluation saw, by split. */
async function smokeRun(config: unknown) {
  const rows = new Map<string, number>();
  const epochs: number[] = [];
  const hooks: TrainHooks = {
    smoke,
    onEpoch: (r) => void epochs.push(r.epoch),
    inspect: ({ split, outputs, task }) => {
      if (task === "digit") rows.set(split, outputs.length / 10);
    },
  };
  const outcome = await runTrial(TrialConfig.parse(config), hooks);
  return { outcome, rows, epochs };
}

const mnist = {
  experiment: "smoke",
  seed: 0,
  dataset: { name: "mnist-multitask", options: { n_samples: 2000 } },
  tasks: [
    { name: "digit", kind: "classification", metric: "accuracy" },
    { name: "value", kind: "regression", metric: "mae", loss: "mae" },
  ],
  model: { hidden: [8] },
  training: { epochs: 20, batchSize: 16 },
  backend: "wasm",
};

describe("smoke mode", { timeout: 60_000 }, () => {
  it("trains one epoch on at most `samples` rows and evaluates on samples of that size", async () => {
    const { outcome, rows, epochs } = await smokeRun({ ...mnist, strategy: "pcgrad" });
    expect(outcome.status).toBe("completed");
    expect(outcome.epochs).toBe(1);
    expect(epochs).toEqual([1]);
    expect(Object.fromEntries(rows)).toEqual({ train: 64, val: 64, test: 64 });
  });

  it("runs each phase of a phased strategy once", async () => {
    const { outcome, rows, epochs } = await smokeRun({
      ...mnist,
      strategy: { name: "transfer", options: { target: "digit", pretrainEpochs: 10 } },
    });
    expect(outcome).toMatchObject({ status: "completed", epochs: 2 });
    expect(epochs).toEqual([1, 2]);
    expect(rows.get("val")).toBe(64);
  });

  it("runs one meta-iteration and scores a few held-out tasks for an episodic strategy", async () => {
    const { outcome } = await smokeRun({
      ...mnist,
      dataset: { name: "sinusoid" },
      tasks: [{ name: "s", kind: "regression", metric: "mse" }],
      strategy: "maml",
    });
    expect(outcome).toMatchObject({ status: "completed", epochs: 1 });
    expect(outcome.final?.s?.test?.["query_mse@1"]).toBeTypeOf("number");
  });
});
