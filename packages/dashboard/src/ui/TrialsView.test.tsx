import type { Snapshot, TrialInfo } from "@mtl/bus";
import { cleanup, render } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { TrialsView } from "./TrialsView.tsx";

afterEach(() => cleanup());

const trial: TrialInfo = {
  id: 1,
  number: 0,
  state: "completed",
  method: "gradnorm",
  strategy: "gradnorm{alpha=1.5}",
  seed: 2,
  configKey: "k",
  params: {
    learningRate: 0.0031,
    batchSize: 64,
    hidden: "[128,128]",
    activation: "tanh",
    "dataset.noise": 0.25,
  },
  weights: null,
  attempt: 1,
  attemptsUsed: 0,
  maxAttempts: 3,
  worker: "gpu-box-1",
  backend: "wasm",
  epoch: 3,
  epochs: 3,
  prunedEpoch: null,
  error: null,
  objective: [0.9],
  metrics: { a: 0.9 },
  live: false,
  deltaM: null,
  rank: 1,
  startedAt: 0,
  finishedAt: 1000,
};

const snapshot: Snapshot = {
  at: 2000,
  sweeps: [],
  sweepId: 1,
  split: "val",
  tasks: [{ name: "a", metric: "accuracy", direction: "max" }],
  objectiveNames: ["a.accuracy"],
  objectiveDirections: ["max"],
  trials: { items: [trial], offset: 0, total: 1, sort: "number", reverse: false, filter: "" },
  trialCount: 1,
  running: [],
  hasBaselines: false,
  workers: [],
  events: [],
  comparison: null,
  analysisPending: false,
};

describe("the trials view", () => {
  it("shows every parameter of the selected trial at 80 columns, wrapping its line instead of cutting it", () => {
    const frame =
      render(<TrialsView snapshot={snapshot} cursor={0} width={80} height={12} />).lastFrame() ?? "";
    const text = frame.replace(/\s+/g, " ");
    for (const kv of [
      "lr=0.0031",
      "bs=64",
      "hidden=[128,128]",
      "activation=tanh",
      "dataset.noise=0.25",
      "gpu-box-1",
    ])
      expect(text).toContain(kv);
    for (const line of frame.split("\n")) expect([...line].length).toBeLessThanOrEqual(80);
  });
});
