/**
 * Chooses the TensorFlow.js backend: tensorflow-gpu → tensorflow → wasm → cpu. The native
 * packages are optional dependencies that cannot download libtensorflow everywhere, so each is
 * probed with a guarded dynamic import and we fall back.
 */
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { installAccel } from "./accel.ts";
import { BACKENDS, type BackendName } from "./backend-names.ts";
import { registerGradients } from "./gradients.ts";

export { BACKENDS, type BackendName };

export class BackendError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BackendError";
  }
}

const aliases: Record<string, BackendName> = {
  gpu: "tensorflow-gpu",
  "tensorflow-gpu": "tensorflow-gpu",
  "tfjs-node-gpu": "tensorflow-gpu",
  node: "tensorflow",
  tensorflow: "tensorflow",
  "tfjs-node": "tensorflow",
  wasm: "wasm",
  cpu: "cpu",
};

// One attempt per backend per thread: a failed native import is not retried.
const attempts = new Map<BackendName, Promise<boolean>>();

async function load(name: BackendName): Promise<boolean> {
  let p = attempts.get(name);
  if (!p) {
    p = loadOnce(name);
    attempts.set(name, p);
  }
  return p;
}

async function loadOnce(name: BackendName): Promise<boolean> {
  try {
    switch (name) {
      case "tensorflow-gpu":
      case "tensorflow": {
        // Both native packages register the backend under the name "tensorflow". Importing one
        // whose addon is missing registers its kernels before throwing, so look for the addon first.
        const pkg = name === "tensorflow-gpu" ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node";
        if (!hasNativeAddon(pkg)) return false;
        await import(/* @vite-ignore */ pkg);
        return tf.findBackendFactory("tensorflow") != null;
      }
      case "wasm":
        await import("@tensorflow/tfjs-backend-wasm");
        return tf.findBackendFactory("wasm") != null;
      case "cpu":
        await import("@tensorflow/tfjs-backend-cpu");
        return tf.findBackendFactory("cpu") != null;
    }
  } catch {
    return false;
  }
}

/** True when the package is installed and its install script managed to fetch tfjs_binding.node. */
function hasNativeAddon(pkg: string): boolean {
  try {
    const root = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
    const lib = join(root, "lib");
    return readdirSync(lib).some((d) => existsSync(join(lib, d, "tfjs_binding.node")));
  } catch {
    return false;
  }
}

let current: BackendName | undefined;

async function activate(name: BackendName): Promise<boolean> {
  registerGradients();
  if (!(await load(name))) return false;
  const tfName = name === "tensorflow-gpu" ? "tensorflow" : name;
  if (tf.getBackend() !== tfName || current !== name) {
    // setBackend resolves false when the backend's initialisation fails (e.g. missing .wasm).
    let ok = false;
    try {
      ok = await tf.setBackend(tfName);
    } catch {
      ok = false;
    }
    if (!ok) return false;
    await tf.ready();
  }
  if (name === "wasm") installAccel();
  current = name;
  return true;
}

/**
 * Loads and activates a backend and returns its name. Without `preferred`, the first of
 * tensorflow-gpu, tensorflow, wasm, cpu that loads; with it, exactly that one or an Error.
 * Idempotent: the same call again returns at once.
 */
export async function initBackend(preferred?: string): Promise<string> {
  if (preferred !== undefined && preferred !== "" && preferred !== "auto") {
    const name = aliases[preferred];
    if (!name)
      throw new BackendError(`unknown backend "${preferred}" (expected one of ${BACKENDS.join(", ")})`);
    if (current === name && tf.getBackend() === (name === "tensorflow-gpu" ? "tensorflow" : name))
      return name;
    if (!(await activate(name)))
      throw new BackendError(
        `backend "${name}" cannot be loaded on this machine` +
          (name.startsWith("tensorflow") ? " (is libtensorflow installed for @tensorflow/tfjs-node?)" : ""),
      );
    return name;
  }
  if (current) return current;
  for (const name of BACKENDS) if (await activate(name)) return name;
  throw new BackendError("no TensorFlow.js backend could be loaded");
}

/** The backend activated by initBackend, if any. */
export function currentBackend(): string | undefined {
  return current;
}
