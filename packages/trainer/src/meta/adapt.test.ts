/**
 * The meta-test scores each held-out task with the standard evaluator's metrics: its numbers
 * must be the ones the meta-training loss and a plain arg-max give on the device.
 */
import { Rng } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.ts";
import { fewShotMnist } from "../data/few-shot-mnist.ts";
import { sinusoid } from "../data/sinusoid.ts";
import { evaluateFamily, toTensors } from "./adapt.ts";
import { expand, forward, initParams, type NetShape, taskLosses } from "./net.ts";
import type { TaskFamily } from "./types.ts";

beforeAll(() => initBackend("wasm"));

const rule = { optimizer: "sgd", lr: 0.01, headOnly: false } as const;

/** Mean over the held-out tasks of the device's loss and arg-max accuracy, before adapting. */
function onDevice(family: TaskFamily, params: tf.Tensor[], net: NetShape) {
  const e = family.heldOut("test");
  const t = toTensors(e);
  const classes = family.kind === "classification" ? family.outputs : 0;
  const [loss, acc] = tf.tidy(() => {
    const out = forward(expand(params, t.tasks), t.qx, net.activation);
    const hits =
      classes > 0 ? tf.mean(tf.cast(tf.equal(tf.argMax(out, 2), t.qy), "float32")) : tf.scalar(Number.NaN);
    return [tf.mean(taskLosses(out, t.qy, classes)).dataSync()[0], hits.dataSync()[0]];
  });
  tf.dispose([t.sx, t.sy, t.qx, t.qy]);
  return { loss: loss as number, accuracy: acc as number };
}

// Loading MNIST takes seconds on a busy machine.
describe("evaluateFamily", { timeout: 60_000 }, () => {
  it("scores few-shot classification with the evaluator's loss, accuracy and f1", () => {
    const options = fewShotMnist.options.parse({
      nWay: 3,
      kShot: 2,
      queries: 4,
      evalTasks: 6,
      n_samples: 2000,
    });
    const family = { ...fewShotMnist.family(options, { seed: 0 }), evalSteps: [0], headlineStep: 0 };
    const net: NetShape = { input: 784, hidden: [16], output: 3, activation: "relu" };
    const params = initParams(net, new Rng(3), "t");
    const points = evaluateFamily(family, "test", params, rule, net, "digits");
    const at = (name: string) => points.find((p) => p.name === name)?.value;
    expect(points.map((p) => p.name)).toEqual(["query_loss@0", "query_accuracy@0", "loss", "accuracy", "f1"]);
    const device = onDevice(family, params, net);
    expect(at("loss")).toBeCloseTo(device.loss, 4);
    expect(at("accuracy")).toBeCloseTo(device.accuracy, 6);
    expect(at("query_loss@0")).toBe(at("loss"));
    const f1 = at("f1") as number;
    expect(f1).toBeGreaterThanOrEqual(0);
    expect(f1).toBeLessThanOrEqual(1);
    tf.dispose(params);
  });

  it("scores few-shot regression with the evaluator's loss, mse and mae", () => {
    const family = {
      ...sinusoid.family(sinusoid.options.parse({}), { seed: 0 }),
      evalSteps: [0],
      headlineStep: 0,
    };
    const net: NetShape = { input: 1, hidden: [8], output: 1, activation: "relu" };
    const params = initParams(net, new Rng(4), "t");
    const points = evaluateFamily(family, "test", params, rule, net, "sinusoid");
    const at = (name: string) => points.find((p) => p.name === name)?.value;
    expect(points.map((p) => p.name)).toEqual(["query_mse@0", "loss", "mse", "mae"]);
    expect(at("mse")).toBeCloseTo(onDevice(family, params, net).loss, 4);
    expect(at("loss")).toBe(at("mse"));
    expect(at("mae") as number).toBeGreaterThan(0);
    tf.dispose(params);
  });
});
