/**
 * Kept weights (TrainHooks.keep) as a TensorFlow.js model folder, and the loader for it.
 *
 * `exportModel` writes `model.json` + `weights.bin` in tfjs's io format. Where the architecture
 * has a Layers form (hard-sharing, single-task, logistic with an mlp or cnn trunk, relu or tanh)
 * it is a real
 * Layers model (`format: "layers-model"`, see layers-model.ts) that `tf.loadLayersModel` loads.
 * Otherwise (mmoe, cross-stitch, soft-sharing, registered architectures, gelu) it is `format:
 * "mtl-model"`: the same files, whose topology is `{ mtl: { config, io } }` (the trial config
 * that made the weights and the model's inputs and outputs) and whose weights are the model's
 * tensors by name (`trunk_h0_W`, …); `loadModel` rebuilds the network from the trainer's
 * registered architectures. Either way `userDefinedMetadata.mtl` holds the config, the inputs
 * and outputs, the epoch and the backend that trained it.
 */
import { type BuiltinTrialConfig, Rng } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { currentBackend, initBackend } from "../backend.ts";
import {
  type Checkpoint,
  CheckpointError,
  decodeCheckpoint,
  type ModelIO,
  sameTrial,
} from "../checkpoint/checkpoint.ts";
import { assignParameters } from "../checkpoint/trial-state.ts";
import { allVariables } from "../models/types.ts";
import { architectures } from "../registries.ts";
import { folderHandler, MODEL_JSON, WEIGHTS_BIN } from "./folder.ts";
import { layersModel, notLayers } from "./layers-model.ts";

/** What an exported model says about itself (`userDefinedMetadata.mtl`). */
export interface ModelMetadata {
  config: BuiltinTrialConfig;
  io: ModelIO;
  epoch: number;
  backend: string;
}

export interface ExportedModel {
  format: "layers-model" | "mtl-model";
  /** Why it is not a Layers model (mtl-model only). */
  reason?: string;
  /** The files written, relative to the folder. */
  files: string[];
}

/**
 * Writes kept weights (the bytes of TrainHooks.keep) as a model folder `dir`. With `config`,
 * refuses weights another configuration made. Throws CheckpointError for bytes that are not
 * intact kept weights.
 */
export async function exportModel(
  bytes: Uint8Array,
  dir: string,
  options: { config?: BuiltinTrialConfig } = {},
): Promise<ExportedModel> {
  const kept = decodeCheckpoint(bytes);
  if (kept.kind !== "model")
    throw new CheckpointError("exportModel takes kept weights (TrainHooks.keep), not a trial checkpoint");
  if (options.config) {
    const reason = sameTrial(kept, options.config);
    if (reason) throw new CheckpointError(`these weights are not the config's: ${reason}`);
  }
  if (!currentBackend()) await initBackend();
  const metadata: { mtl: ModelMetadata } = {
    mtl: { config: kept.config, io: kept.io, epoch: kept.epoch, backend: kept.backend },
  };
  const files = [MODEL_JSON, WEIGHTS_BIN];
  const reason = notLayers(kept.config);
  if (reason === null) {
    const model = await layersModel(kept);
    try {
      model.setUserDefinedMetadata(metadata);
      await model.save(folderHandler(dir));
    } finally {
      model.dispose();
    }
    return { format: "layers-model", files };
  }
  const names = new Set(kept.parameters.map((p) => p.name));
  if (names.size !== kept.parameters.length)
    throw new CheckpointError("kept weights: two tensors share a name, which a weights manifest cannot hold");
  const floats = new Float32Array(kept.parameters.reduce((s, p) => s + p.values.length, 0));
  let offset = 0;
  for (const p of kept.parameters) {
    floats.set(p.values, offset);
    offset += p.values.length;
  }
  await folderHandler(dir).save?.({
    modelTopology: { mtl: { config: kept.config, io: kept.io } },
    format: "mtl-model",
    generatedBy: "MTL Lab trainer",
    convertedBy: null,
    weightSpecs: kept.parameters.map((p) => ({ name: p.name, shape: p.shape, dtype: "float32" })),
    weightData: floats.buffer,
    userDefinedMetadata: metadata,
  });
  return { format: "mtl-model", reason, files };
}

/** A model loaded from an exported folder. */
export interface LoadedModel {
  format: ExportedModel["format"];
  metadata: ModelMetadata;
  /** Each task's output for raw feature rows [n, d] (as the dataset gives them), in task order. */
  predict(x: tf.Tensor2D): tf.Tensor2D[];
  dispose(): void;
}

/** Loads a folder written by exportModel (either format) on the current backend. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  if (!currentBackend()) await initBackend();
  const handler = folderHandler(dir);
  const artifacts = await (handler.load as NonNullable<typeof handler.load>)();
  const metadata = (artifacts.userDefinedMetadata as { mtl?: ModelMetadata } | undefined)?.mtl;
  if (!metadata) throw new Error(`${dir}: not a model exported by MTL Lab (no mtl metadata)`);
  if (artifacts.format === "layers-model") {
    const tfl = await import("@tensorflow/tfjs-layers");
    const model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    return {
      format: "layers-model",
      metadata,
      predict: (x) => {
        const y = model.predict(x);
        return (Array.isArray(y) ? y : [y]) as tf.Tensor2D[];
      },
      dispose: () => model.dispose(),
    };
  }
  if (artifacts.format !== "mtl-model") throw new Error(`${dir}: unknown model format "${artifacts.format}"`);
  return rebuild(metadata, artifacts);
}

/** An mtl-model: the registered architecture, built and given the saved tensors. */
function rebuild(metadata: ModelMetadata, artifacts: tf.io.ModelArtifacts): LoadedModel {
  const { config, io } = metadata;
  const { item, options } = architectures.resolve(config.model.architecture, config.model.options);
  const model = item.build(config.model, options, {
    inputShape: io.inputShape,
    outputs: io.outputs.map((o) => o.units),
    rng: new Rng(0), // every tensor is overwritten
  });
  const variables = allVariables(model);
  try {
    const specs = artifacts.weightSpecs ?? [];
    const data = new Float32Array(tf.io.concatenateArrayBuffers(artifacts.weightData ?? []));
    let offset = 0;
    const saved: Checkpoint["parameters"] = specs.map((s) => {
      const n = s.shape.reduce((a, b) => a * b, 1);
      const values = data.subarray(offset, offset + n);
      offset += n;
      return { name: s.name, shape: s.shape, values };
    });
    assignParameters(saved, variables);
  } catch (error) {
    tf.dispose(variables);
    throw error;
  }
  const s = io.standardize;
  const [mean, std] = s ? [tf.tensor1d(s.mean), tf.tensor1d(s.std)] : [];
  return {
    format: "mtl-model",
    metadata,
    predict: (x) => tf.tidy(() => model.forward(mean && std ? tf.div(tf.sub(x, mean), std) : x)),
    dispose: () => tf.dispose([...variables, ...(mean && std ? [mean, std] : [])]),
  };
}
