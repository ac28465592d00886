/**
 * Kept weights as a TensorFlow.js Layers model (`tf.loadLayersModel` loads it anywhere tfjs
 * runs), for the architectures whose network Layers expresses: hard sharing, single-task and
 * logistic, with an mlp or cnn trunk. The topology follows the trainer's builders (models/*.ts,
 * layers.ts: the same layer names, `trunk_h0`, `head1_out`, …) and the sizes come from the kept
 * tensors themselves:
 *
 * - input: a sample's features as one row of `d` numbers (the dataset's layout; images are
 *   [h, w, c] flattened), named `features`;
 * - `standardize`: where the trainer standardised the features, a BatchNormalization layer in
 *   inference mode holding the training split's mean and variance (ε = 0), so the model takes raw
 *   features;
 * - cnn trunk: Reshape → Conv2D 3×3 valid (the trainer's [9c, filters] kernel is Keras's
 *   [3, 3, c, filters] in the same order) with the activation → MaxPooling2D 2×2 → Flatten
 *   (the trainer pools before bias and activation where they commute: the same function);
 * - dense layers as Dense with relu or tanh (not gelu: tfjs-layers 4.22 writes its tanh
 *   approximation as `gelu_new` and cannot read that name back, so gelu models are mtl-models);
 * - one output per task, in the config's task order: logits for classification, a value for
 *   regression.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { LayersModel, SymbolicTensor } from "@tensorflow/tfjs-layers";
import type { Checkpoint } from "../checkpoint/checkpoint.ts";

type Layers = typeof import("@tensorflow/tfjs-layers");

const ARCHITECTURES = ["hard-sharing", "single-task", "logistic"];

/** Why kept weights of `config` cannot be a Layers model, or null when they can. */
export function notLayers(config: Checkpoint["config"]): string | null {
  const { architecture, trunk } = config.model;
  if (!ARCHITECTURES.includes(architecture))
    return `architecture "${architecture}" has no Layers form (only ${ARCHITECTURES.join(", ")})`;
  if (trunk !== "mlp" && trunk !== "cnn") return `trunk "${trunk}" has no Layers form`;
  // tfjs-layers 4.22 saves its tanh-approximated GELU as "gelu_new" but reads that name back as
  // "geluNew", which it does not know: such a model would not load.
  if (config.model.activation === "gelu")
    return "activation gelu: tfjs-layers 4.22 cannot load its gelu_new back";
  return null;
}

/** The Layers model of kept weights `c` (notLayers(c.config) must be null), weights set. */
export async function layersModel(c: Checkpoint): Promise<LayersModel> {
  const tfl: Layers = await import("@tensorflow/tfjs-layers");
  const spec = c.config.model;
  const params = new Map(c.parameters.map((p) => [p.name, p]));
  const param = (name: string) => {
    const p = params.get(name);
    if (!p) throw new Error(`kept weights: no tensor ${name} for the ${spec.architecture} model`);
    return p;
  };
  const activation = { relu: "relu", tanh: "tanh", gelu: "gelu_new" } as const; // gelu: see notLayers
  const assignments: { layer: string; weights: () => tf.Tensor[] }[] = [];

  const dense = (x: SymbolicTensor, name: string, act: keyof typeof activation | null): SymbolicTensor => {
    const W = param(`${name}_W`);
    const b = param(`${name}_b`);
    assignments.push({
      layer: name,
      weights: () => [tf.tensor(W.values, W.shape), tf.tensor(b.values, b.shape)],
    });
    return tfl.layers
      .dense({ units: W.shape[1] as number, activation: act ? activation[act] : "linear", name })
      .apply(x) as SymbolicTensor;
  };
  const conv = (x: SymbolicTensor, name: string): SymbolicTensor => {
    const [h, w, ch] = c.io.inputShape as [number, number, number];
    const K = param(`${name}_K`);
    const b = param(`${name}_b`);
    const filters = K.shape[1] as number;
    assignments.push({
      layer: name,
      weights: () => [tf.tensor(K.values, [3, 3, ch, filters]), tf.tensor(b.values, b.shape)],
    });
    let y = tfl.layers.reshape({ targetShape: [h, w, ch], name: `${name}_image` }).apply(x) as SymbolicTensor;
    y = tfl.layers
      .conv2d({ filters, kernelSize: 3, padding: "valid", activation: activation[spec.activation], name })
      .apply(y) as SymbolicTensor;
    y = tfl.layers
      .maxPooling2d({ poolSize: 2, strides: 2, padding: "valid", name: `${name}_pool` })
      .apply(y) as SymbolicTensor;
    return tfl.layers.flatten({ name: `${name}_flat` }).apply(y) as SymbolicTensor;
  };
  const trunk = (x: SymbolicTensor, name: string): SymbolicTensor => {
    let y = spec.trunk === "cnn" ? conv(x, `${name}_conv`) : x;
    spec.hidden.forEach((_, i) => {
      y = dense(y, `${name}_h${i}`, spec.activation);
    });
    return y;
  };
  const head = (x: SymbolicTensor, name: string, hidden: readonly number[]): SymbolicTensor => {
    let y = x;
    hidden.forEach((_, i) => {
      y = dense(y, `${name}_h${i}`, spec.activation);
    });
    return dense(y, `${name}_out`, null);
  };

  const d = c.io.inputShape.reduce((a, b) => a * b, 1);
  const input = tfl.input({ shape: [d], name: "features" });
  let x: SymbolicTensor = input;
  const s = c.io.standardize;
  if (s) {
    assignments.push({
      layer: "standardize",
      weights: () => [
        tf.ones([d]),
        tf.zeros([d]),
        tf.tensor(s.mean, [d], "float32"),
        tf.tensor(
          s.std.map((v) => v * v),
          [d],
          "float32",
        ),
      ],
    });
    x = tfl.layers.batchNormalization({ epsilon: 0, name: "standardize" }).apply(x) as SymbolicTensor;
  }
  const tasks = c.io.outputs.length;
  const outputs: SymbolicTensor[] = [];
  if (spec.architecture === "hard-sharing") {
    const z = trunk(x, "trunk");
    for (let t = 0; t < tasks; t++) outputs.push(head(z, `head${t}`, spec.head));
  } else if (spec.architecture === "single-task") {
    for (let t = 0; t < tasks; t++) outputs.push(head(trunk(x, `net${t}`), `net${t}_head`, spec.head));
  } else {
    for (let t = 0; t < tasks; t++) outputs.push(head(x, `linear${t}`, []));
  }
  const model = tfl.model({
    inputs: input,
    outputs,
    name: c.config.experiment.replace(/[^A-Za-z0-9_.-]/g, "_") || "mtl",
  });
  for (const a of assignments) {
    const weights = a.weights();
    try {
      model.getLayer(a.layer).setWeights(weights);
    } finally {
      tf.dispose(weights);
    }
  }
  const used = new Set(model.layers.flatMap((l) => l.weights.map((w) => w.originalName.split("/")[0])));
  const unused = c.parameters.filter((p) => !used.has(p.name.replace(/_(W|b|K)$/, "")));
  if (unused.length > 0)
    throw new Error(
      `kept weights: ${unused.map((p) => p.name).join(", ")} have no place in the Layers model`,
    );
  return model;
}
