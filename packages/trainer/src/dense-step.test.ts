/**
 * The hand-backpropagated step against the gradient tape: the same parameters after training,
 * for every architecture and strategy it takes, every loss, and both activations.
 */
import { ModelSpec, Rng, TaskSpec } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { initBackend } from "./backend.ts";
import { denseStep } from "./dense-step.ts";
import { allVariables } from "./models/types.ts";
import { createOptimizer } from "./optimizers.ts";
import { architectures, strategies } from "./registries.ts";
import { makeStep } from "./train.ts";

await initBackend("wasm");

interface Setup {
  architecture: string;
  strategy: string;
  weights?: number[];
  activation?: "relu" | "tanh" | "gelu";
  hidden?: number[];
  head?: number[];
  losses: ("cross-entropy" | "mse" | "mae" | "huber")[];
}

const CLASSES = 3;
const BATCH = 24;
const D = 10;

/** Builds the model and strategy of `s` from one seed, so two builds start identical. */
function build(s: Setup) {
  const rng = new Rng(5);
  const spec = ModelSpec.parse({
    architecture: s.architecture,
    hidden: s.hidden ?? [16, 12],
    head: s.head ?? [],
    activation: s.activation ?? "relu",
  });
  const tasks = s.losses.map((loss, i) => ({
    spec: TaskSpec.parse({
      name: `t${i}`,
      kind: loss === "cross-entropy" ? "classification" : "regression",
      metric: loss === "cross-entropy" ? "accuracy" : "mse",
      loss,
    }),
    units: loss === "cross-entropy" ? CLASSES : 1,
    classes: loss === "cross-entropy" ? CLASSES : 0,
  }));
  const arch = architectures.resolve(s.architecture, {});
  const model = arch.item.build(spec, arch.options, {
    inputShape: [D],
    outputs: tasks.map((t) => t.units),
    rng: rng.fork("init"),
  });
  const strat = strategies.resolve(s.strategy, {});
  const strategy = strat.item.create(strat.options, {
    tasks: tasks.map((t) => t.spec.name),
    initialWeights: s.weights ?? tasks.map(() => 1),
    rng: rng.fork("strategy"),
  });
  return { model, strategy, tasks };
}

/** Trains `steps` Adam steps with or without the hand-made backward pass; the final parameters. */
function train(s: Setup, byHand: boolean, steps = 12) {
  const { model, strategy, tasks } = build(s);
  const optimizer = createOptimizer({ optimizer: "adam", learningRate: 0.05 });
  const step = makeStep(model, strategy, tasks, optimizer, 0.01, byHand);
  const data = new Rng(9);
  const losses: number[][] = [];
  for (let k = 0; k < steps; k++) {
    const x = tf.tensor2d(
      Float32Array.from({ length: BATCH * D }, () => data.normal()),
      [BATCH, D],
    );
    const ys = tasks.map((t) =>
      t.classes > 0
        ? tf.tensor1d(
            Int32Array.from({ length: BATCH }, () => Math.floor(data.float() * CLASSES)),
            "int32",
          )
        : tf.tensor1d(Float32Array.from({ length: BATCH }, () => 3 * data.normal())),
    );
    losses.push(step(x, ys));
    tf.dispose([x, ...ys]);
  }
  const params = allVariables(model).map((v) => v.dataSync().slice());
  tf.dispose(allVariables(model));
  optimizer.dispose();
  return { params, losses };
}

function expectSameTraining(s: Setup) {
  const before = tf.memory().numTensors;
  const tape = train(s, false);
  const hand = train(s, true);
  expect(tf.memory().numTensors).toBe(before);
  expect(hand.losses.length).toBe(tape.losses.length);
  hand.losses.flat().forEach((l, i) => {
    expect(Math.abs(l - (tape.losses.flat()[i] as number))).toBeLessThan(1e-4 * Math.max(1, Math.abs(l)));
  });
  let worst = 0;
  hand.params.forEach((p, i) => {
    const q = tape.params[i] as Float32Array;
    for (let j = 0; j < p.length; j++)
      worst = Math.max(
        worst,
        Math.abs((p[j] as number) - (q[j] as number)) / Math.max(1, Math.abs(q[j] as number)),
      );
  });
  expect(worst).toBeLessThan(1e-4);
  // And training moved the parameters (a step that did nothing would match nothing above).
  const { model } = build(s);
  const initial = allVariables(model).map((v) => v.dataSync().slice());
  tf.dispose(allVariables(model));
  expect(hand.params.some((p, i) => p.some((v, j) => v !== (initial[i] as Float32Array)[j]))).toBe(true);
}

describe("denseStep: the hand-made backward pass equals the tape's", () => {
  const cases: [string, Setup][] = [
    [
      "hard sharing, equal, two classification tasks",
      { architecture: "hard-sharing", strategy: "equal", losses: ["cross-entropy", "cross-entropy"] },
    ],
    [
      "hard sharing with task towers, tanh, fixed λ, every regression loss",
      {
        architecture: "hard-sharing",
        strategy: "fixed",
        weights: [0.2, 1.5, 0.7],
        activation: "tanh",
        head: [8],
        losses: ["mse", "mae", "huber"],
      },
    ],
    [
      "hard sharing, rlw (random weights each step)",
      { architecture: "hard-sharing", strategy: "rlw", losses: ["cross-entropy", "mse"] },
    ],
    [
      "hard sharing without hidden layers",
      { architecture: "hard-sharing", strategy: "equal", hidden: [], losses: ["mse", "cross-entropy"] },
    ],
    [
      "single-task networks",
      { architecture: "single-task", strategy: "equal", losses: ["cross-entropy", "mse"] },
    ],
    [
      "logistic models",
      { architecture: "logistic", strategy: "fixed", weights: [2, 0.5], losses: ["cross-entropy", "huber"] },
    ],
  ];
  for (const [name, setup] of cases) it(name, () => expectSameTraining(setup));

  it("is used only where it applies", () => {
    const cases: [Setup, boolean][] = [
      [{ architecture: "hard-sharing", strategy: "equal", losses: ["mse"] }, true],
      [{ architecture: "hard-sharing", strategy: "uncertainty", losses: ["mse"] }, false], // learned weights
      [{ architecture: "hard-sharing", strategy: "gls", losses: ["mse"] }, false], // not linear
      [{ architecture: "hard-sharing", strategy: "pcgrad", losses: ["mse"] }, false], // gradient surgery
      [{ architecture: "hard-sharing", strategy: "equal", activation: "gelu", losses: ["mse"] }, false],
      [{ architecture: "soft-sharing", strategy: "equal", losses: ["mse"] }, false], // a penalty
      [{ architecture: "mmoe", strategy: "equal", losses: ["mse"] }, false],
    ];
    for (const [setup, expected] of cases) {
      const { model, strategy, tasks } = build(setup);
      expect(
        denseStep(
          model,
          strategy,
          tasks,
          () => [],
          () => {},
        ) !== null,
        JSON.stringify(setup),
      ).toBe(expected);
      tf.dispose(allVariables(model));
      strategy.dispose?.();
    }
  });
});
