/**
 * A TensorFlow.js IOHandler for a model folder on disk: `model.json` (tfjs's model JSON: topology,
 * format, weights manifest, user metadata) and `weights.bin` (the weights as the manifest lists
 * them). tfjs-node has one (`file://`), but it cannot load here (no libtensorflow), and the wasm
 * and cpu backends have none: this is its small Node equivalent, over tfjs-core's own helpers.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { isAbsolute, join, normalize, sep } from "node:path";
import * as tf from "@tensorflow/tfjs-core";

export const MODEL_JSON = "model.json";
export const WEIGHTS_BIN = "weights.bin";

/** Saves to and loads from the folder `dir` (created on save). */
export function folderHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts) {
      if (artifacts.modelTopology instanceof ArrayBuffer)
        throw new Error("model folder: a binary topology cannot be saved as model.json");
      await mkdir(dir, { recursive: true });
      const data = artifacts.weightData ?? [];
      await writeFile(join(dir, WEIGHTS_BIN), new Uint8Array(tf.io.concatenateArrayBuffers(data)));
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        ...(artifacts.format ? { format: artifacts.format } : {}),
        ...(artifacts.generatedBy ? { generatedBy: artifacts.generatedBy } : {}),
        ...(artifacts.convertedBy !== undefined ? { convertedBy: artifacts.convertedBy } : {}),
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await writeFile(join(dir, MODEL_JSON), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load() {
      const json = JSON.parse(await readFile(join(dir, MODEL_JSON), "utf8")) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest)
          for (const path of group.paths) {
            const bytes = await readFile(join(dir, inside(path)));
            buffers.push(
              bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
            );
          }
        return [tf.io.getWeightSpecs(manifest), tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

/** A weights path from a manifest, refused unless it stays inside the model's folder. */
function inside(path: string): string {
  const p = normalize(path);
  if (isAbsolute(p) || p === ".." || p.startsWith(`..${sep}`))
    throw new Error(`model folder: weights path "${path}" leaves the model's folder`);
  return p;
}
