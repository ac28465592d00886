/**
 * The reference model of `pnpm bench train`: 64 inputs → 256 → 256 shared trunk, one linear
 * head per task, MSE, Adam, on fixed random data. Built from the same pieces as runTrial
 * (hard-sharing, equal weights, makeStep) so the benchmark measures what trials run.
 */

import { ModelSpec, TaskSpec } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { hardSharing } from "./models/hard-sharing.ts";
import { allVariables } from "./models/types.ts";
import { createOptimizer } from "./optimizers.ts";
import { createRng } from "./rng.ts";
import { equal } from "./strategies/equal.ts";
import { makeStep } from "./train.ts";

export interface ReferenceOptions {
  inputs?: number;
  hidden?: number[];
  tasks?: number;
  batch?: number;
  seed?: number;
}

/** One Adam step per call on the current backend; dispose() frees everything. */
export function referenceTrainingStep(o: ReferenceOptions = {}): { step(): number[]; dispose(): void } {
  const inputs = o.inputs ?? 64;
  const batch = o.batch ?? 256;
  const T = o.tasks ?? 2;
  const rng = createRng(o.seed ?? 0);
  const spec = ModelSpec.parse({ architecture: "hard-sharing", hidden: o.hidden ?? [256, 256] });
  const model = hardSharing.build(spec, {}, { inputShape: [inputs], outputs: new Array(T).fill(1), rng });
  const tasks = Array.from({ length: T }, (_, i) => ({
    spec: TaskSpec.parse({ name: `task${i + 1}`, kind: "regression", metric: "mse" }),
    units: 1,
    classes: 0,
  }));
  const strategy = equal.create({}, { tasks: tasks.map((t) => t.spec.name), initialWeights: [], rng });
  const optimizer = createOptimizer({ optimizer: "adam", learningRate: 1e-3 });
  const step = makeStep(model, strategy, tasks, optimizer, 0);
  const x = tf.tensor2d(
    Float32Array.from({ length: batch * inputs }, () => rng.normal()),
    [batch, inputs],
  );
  const ys = tasks.map(() => tf.tensor1d(Float32Array.from({ length: batch }, () => rng.normal())));
  return {
    step: () => step(x, ys),
    dispose() {
      tf.dispose([x, ...ys, ...allVariables(model)]);
      optimizer.dispose();
    },
  };
}
