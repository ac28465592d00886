/**
 * Kept models, exported and loaded again on the cpu backend (trained on wasm), predict what the
 * trainer's model predicted at its last epoch (the evaluator's raw outputs on the test split),
 * from raw features. Layers models load with tf.loadLayersModel itself; other architectures with
 * the trainer's loader.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BuiltinTrialConfig } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.ts";
import { CheckpointError } from "../checkpoint/checkpoint.ts";
import { splitDataset } from "../data/split.ts";
import { datasets } from "../registries.ts";
import { runTrial } from "../train.ts";
import { exportModel, loadModel } from "./export-model.ts";
import { folderHandler } from "./folder.ts";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "mtl-export-"));
});
afterAll(async () => {
  await initBackend("wasm");
  await rm(root, { recursive: true, force: true });
});

const CLASSIFICATION = {
  experiment: "export",
  seed: 2,
  dataset: { name: "classification", options: { n_samples: 300, n_classes: 3 } },
  tasks: [
    { name: "a", target: "task1", kind: "classification", metric: "accuracy" },
    { name: "b", target: "task2", kind: "classification", metric: "f1" },
  ],
  model: { architecture: "hard-sharing", hidden: [10], head: [6], activation: "tanh" },
  strategy: "equal",
  training: { epochs: 2, batchSize: 32, learningRate: 0.02 },
  backend: "wasm",
};
const MNIST = {
  ...CLASSIFICATION,
  dataset: { name: "mnist-multitask", options: { n_samples: 150 } },
  tasks: [
    { name: "digit", kind: "classification", metric: "accuracy" },
    { name: "value", kind: "regression", metric: "mse" },
  ],
  model: { architecture: "hard-sharing", trunk: "cnn", hidden: [16], activation: "relu" },
  training: { epochs: 1, batchSize: 32, learningRate: 0.01 },
};

/** Trains `c` on wasm; its kept final weights and its last epoch's test outputs per task. */
async function train(
  c: BuiltinTrialConfig,
): Promise<{ kept: Uint8Array; outputs: Map<string, Float32Array> }> {
  let kept: Uint8Array | undefined;
  const outputs = new Map<string, Float32Array>();
  const outcome = await runTrial(c, {
    backend: "wasm",
    keep: {
      save: (m) => {
        if (m.kind === "final") kept = m.bytes;
      },
    },
    inspect: (e) => {
      if (e.split === "test" && e.epoch === c.training.epochs) outputs.set(e.task, e.outputs.slice());
    },
  });
  expect(outcome.status).toBe("completed");
  expect(kept).toBeDefined();
  return { kept: kept as Uint8Array, outputs };
}

/** The test split's raw (unstandardised) features, rows as the dataset gives them. */
async function rawTest(c: BuiltinTrialConfig): Promise<tf.Tensor2D> {
  const { item, options } = datasets.resolve(c.dataset.name, c.dataset.options);
  const ds = await item.load(options, { seed: c.dataset.seed, dataDirs: [] });
  const test = splitDataset({ ...ds, standardize: false }, c.dataset.split, c.dataset.seed).test;
  return tf.tensor2d(test.x, [test.n, test.x.length / test.n]);
}

function expectSame(
  predicted: tf.Tensor2D[],
  c: BuiltinTrialConfig,
  outputs: Map<string, Float32Array>,
): void {
  expect(predicted).toHaveLength(c.tasks.length);
  c.tasks.forEach((t, i) => {
    const want = outputs.get(t.name) as Float32Array;
    const got = (predicted[i] as tf.Tensor2D).dataSync();
    expect(got.length).toBe(want.length);
    let worst = 0;
    for (let k = 0; k < want.length; k++)
      worst = Math.max(
        worst,
        Math.abs((got[k] as number) - (want[k] as number)) / Math.max(1, Math.abs(want[k] as number)),
      );
    expect(worst, t.name).toBeLessThan(1e-4);
  });
}

/** Exports `c`'s kept model, then on cpu loads it with tf.loadLayersModel (or the trainer's loader). */
async function roundTrip(over: Record<string, unknown>, base: object = CLASSIFICATION) {
  const c = BuiltinTrialConfig.parse({ ...base, ...over });
  await initBackend("wasm");
  const { kept, outputs } = await train(c);
  const dir = join(root, `${c.model.architecture}-${c.model.trunk}-${Math.random().toString(36).slice(2)}`);
  const exported = await exportModel(kept, dir, { config: c });
  await initBackend("cpu");
  const x = await rawTest(c);
  try {
    if (exported.format === "layers-model") {
      const model = await tfl.loadLayersModel(folderHandler(dir));
      const y = model.predict(x);
      expectSame((Array.isArray(y) ? y : [y]) as tf.Tensor2D[], c, outputs);
      expect(model.outputs).toHaveLength(c.tasks.length);
      tf.dispose(y);
      model.dispose();
    }
    const loaded = await loadModel(dir);
    expect(loaded.metadata.config).toEqual(c);
    const y = loaded.predict(x);
    expectSame(y, c, outputs);
    tf.dispose(y);
    loaded.dispose();
  } finally {
    x.dispose();
  }
  return { exported, dir };
}

describe("exportModel", () => {
  it("hard sharing, mlp trunk, standardised inputs: a Layers model that predicts as the trainer did", async () => {
    const { exported, dir } = await roundTrip({});
    expect(exported.format).toBe("layers-model");
    const json = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
    expect(json.format).toBe("layers-model");
    expect(json.weightsManifest[0].paths).toEqual(["weights.bin"]);
    expect(json.userDefinedMetadata.mtl.io.standardize.mean).toHaveLength(20);
    const layers = json.modelTopology.config.layers.map((l: { name: string }) => l.name);
    expect(layers).toEqual([
      "features",
      "standardize",
      "trunk_h0",
      "head0_h0",
      "head1_h0",
      "head0_out",
      "head1_out",
    ]);
  });

  it("the mnist cnn (a classification and a regression head)", async () => {
    const { exported } = await roundTrip({}, MNIST);
    expect(exported.format).toBe("layers-model");
  });

  it("single-task with a cnn trunk, and logistic", async () => {
    const single = await roundTrip(
      { model: { architecture: "single-task", trunk: "cnn", hidden: [8] } },
      MNIST,
    );
    expect(single.exported.format).toBe("layers-model");
    expect((await roundTrip({ model: { architecture: "logistic" } })).exported.format).toBe("layers-model");
  });

  it("gelu networks as mtl-model folders (tfjs-layers cannot load its own gelu_new)", async () => {
    const { exported } = await roundTrip({ model: { ...CLASSIFICATION.model, activation: "gelu" } });
    expect(exported).toMatchObject({ format: "mtl-model", reason: expect.stringMatching(/gelu/) });
  });

  it("architectures with no Layers form (mmoe, cross-stitch) as mtl-model folders, loaded by loadModel", async () => {
    const { exported } = await roundTrip({ model: { architecture: "mmoe", hidden: [8] } });
    expect(exported).toMatchObject({ format: "mtl-model", reason: expect.stringMatching(/mmoe/) });
    await roundTrip({ model: { architecture: "cross-stitch", hidden: [8] } });
  });

  it("refuses a trial checkpoint and weights of another config", async () => {
    await initBackend("wasm");
    const c = BuiltinTrialConfig.parse(CLASSIFICATION);
    const checkpoints: Uint8Array[] = [];
    let kept: Uint8Array | undefined;
    await runTrial(c, {
      checkpoint: { every: 1, save: (cp) => void checkpoints.push(cp.bytes) },
      keep: {
        save: (m) => {
          kept = m.bytes;
        },
      },
    });
    await expect(exportModel(checkpoints[0] as Uint8Array, join(root, "x"))).rejects.toThrow(
      /kept weights \(TrainHooks.keep\), not a trial checkpoint/,
    );
    const other = BuiltinTrialConfig.parse({ ...CLASSIFICATION, seed: 3 });
    const refused = exportModel(kept as Uint8Array, join(root, "y"), { config: other });
    await expect(refused).rejects.toBeInstanceOf(CheckpointError);
    await expect(refused).rejects.toThrow(/seed is 2 in the checkpoint, 3 in the trial/);
  });
});
