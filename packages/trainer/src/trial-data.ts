/**
 * A trial's setup shared by every loop on an ordinary multi-task dataset (runTrial, phased
 * strategies): the backend, the dataset (read only from hooks.dataDirs; sampled in a smoke run),
 * its tasks, the splits on the device and the trial's random streams.
 */
import { type BuiltinTrialConfig, type Rng, rngStream } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "./backend.ts";
import type { ModelIO } from "./checkpoint/checkpoint.ts";
import { loadDataset } from "./data/load.ts";
import { sampleSplits } from "./data/split.ts";
import type { SplitData, SplitDataset, Target } from "./data/types.ts";
import type { DeviceSplit } from "./evaluate.ts";
import type { TrainHooks } from "./hooks.ts";
import { type BoundTask, bindTasks } from "./tasks.ts";

export interface PreparedTrial {
  backend: string;
  data: SplitDataset;
  tasks: BoundTask[];
  splits: Record<"train" | "val" | "test", DeviceSplit>;
  /** The model's inputs and outputs, as checkpoints and kept weights describe them. */
  io: ModelIO;
  /** The trial's stream: fork it by purpose (init, strategy, …). */
  rng: Rng;
  /**
   * The order of training samples: a stream of its own, drawn once per epoch, so that its
   * state between epochs is all a checkpoint needs to resume the same order.
   */
  dataOrder: Rng;
  dispose(): void;
}

export function toDevice(split: SplitData, tasks: BoundTask[]): DeviceSplit {
  const d = split.n > 0 ? split.x.length / split.n : 0;
  return {
    n: split.n,
    host: split,
    x: tf.tensor2d(split.x, [split.n, d]),
    y: tasks.map((t) => {
      const target = split.targets[t.spec.target] as Target;
      return target.kind === "classification"
        ? tf.tensor1d(target.labels, "int32")
        : tf.tensor1d(target.values, "float32");
    }),
  };
}

/** Loads the trial's data and backend; the caller disposes the result. */
export async function prepareTrial(config: BuiltinTrialConfig, hooks: TrainHooks): Promise<PreparedTrial> {
  const backend = await initBackend(hooks.backend ?? config.backend);
  let data = await loadDataset(config.dataset, {
    dataDirs: hooks.dataDirs ?? [],
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  });
  if (hooks.smoke) data = sampleSplits(data, hooks.smoke.samples, config.dataset.seed);
  const tasks = bindTasks(config.tasks, data);
  const splits = {
    train: toDevice(data.train, tasks),
    val: toDevice(data.val, tasks),
    test: toDevice(data.test, tasks),
  };
  return {
    backend,
    data,
    tasks,
    splits,
    io: modelIO(data, tasks),
    rng: rngStream("trial", config.seed),
    dataOrder: rngStream("trial", config.seed, "data order"),
    dispose: () => tf.dispose(Object.values(splits).flatMap((s) => [s.x, ...s.y])),
  };
}

export function modelIO(data: SplitDataset, tasks: readonly BoundTask[]): ModelIO {
  const s = data.standardization;
  return {
    inputShape: [...data.inputShape],
    ...(s ? { standardize: { mean: Array.from(s.mean), std: Array.from(s.std) } } : {}),
    outputs: tasks.map((t) => ({
      task: t.spec.name,
      kind: t.classes > 0 ? "classification" : "regression",
      units: t.units,
    })),
  };
}
