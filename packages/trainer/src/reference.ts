/**
 * The reference models of `pnpm bench train`, built from the same pieces as runTrial
 * (hard-sharing, equal weights, makeStep) so the benchmark measures what trials run:
 * - an MLP: 64 inputs → 256 → 256 shared trunk, one linear head per task, MSE, Adam;
 * - the mnist cnn: 28×28×1 → Conv2D 32 3×3 → relu → MaxPool 2×2 → 64 shared trunk, heads for
 *   10, 2 and 3 classes (digit, parity, mod3), cross-entropy, Adam.
 * Both on fixed random data (the speed does not depend on it).
 * And the meta-test evaluation of few-shot MNIST (`referenceFewShotEvaluation`): what every
 * maml/reptile trial runs after each epoch, made of batched [tasks, n, d] products.
 */

import { ModelSpec, Rng, TaskSpec } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { fewShotMnist } from "./data/few-shot-mnist.ts";
import { evaluateFamily } from "./meta/adapt.ts";
import { initParams, type NetShape } from "./meta/net.ts";
import { registerSecondOrderGradients } from "./meta/second-order.ts";
import { allVariables } from "./models/types.ts";
import { createOptimizer } from "./optimizers.ts";
import { architectures, strategies } from "./registries.ts";
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
  const rng = new Rng(o.seed ?? 0);
  const spec = ModelSpec.parse({ architecture: "hard-sharing", hidden: o.hidden ?? [256, 256] });
  const model = architectures
    .get("hard-sharing")
    .build(spec, {}, { inputShape: [inputs], outputs: new Array(T).fill(1), rng });
  const tasks = Array.from({ length: T }, (_, i) => ({
    spec: TaskSpec.parse({ name: `task${i + 1}`, kind: "regression", metric: "mse" }),
    units: 1,
    classes: 0,
  }));
  const strategy = strategies
    .get("equal")
    .create({}, { tasks: tasks.map((t) => t.spec.name), initialWeights: [], rng });
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

export interface ReferenceCnnOptions {
  hidden?: number[];
  /** Classes per task head. */
  classes?: number[];
  batch?: number;
  seed?: number;
}

/** One Adam step of the mnist cnn hard-sharing model per call; dispose() frees everything. */
export function referenceCnnTrainingStep(o: ReferenceCnnOptions = {}): { step(): number[]; dispose(): void } {
  const batch = o.batch ?? 64;
  const classes = o.classes ?? [10, 2, 3];
  const rng = new Rng(o.seed ?? 0);
  const spec = ModelSpec.parse({ architecture: "hard-sharing", trunk: "cnn", hidden: o.hidden ?? [64] });
  const model = architectures
    .get("hard-sharing")
    .build(spec, {}, { inputShape: [28, 28, 1], outputs: classes, rng });
  const tasks = classes.map((c, i) => ({
    spec: TaskSpec.parse({ name: `task${i + 1}`, kind: "classification", metric: "accuracy" }),
    units: c,
    classes: c,
  }));
  const strategy = strategies
    .get("equal")
    .create({}, { tasks: tasks.map((t) => t.spec.name), initialWeights: [], rng });
  const optimizer = createOptimizer({ optimizer: "adam", learningRate: 1e-3 });
  const step = makeStep(model, strategy, tasks, optimizer, 0);
  const x = tf.tensor2d(
    Float32Array.from({ length: batch * 784 }, () => rng.float()),
    [batch, 784],
  );
  const ys = classes.map((c) =>
    tf.tensor1d(
      Int32Array.from({ length: batch }, () => rng.int(c)),
      "int32",
    ),
  );
  return {
    step: () => step(x, ys),
    dispose() {
      tf.dispose([x, ...ys, ...allVariables(model)]);
      optimizer.dispose();
    },
  };
}

export interface ReferenceFewShotOptions {
  /** Held-out tasks scored per evaluation (the family's default is 100). */
  evalTasks?: number;
  seed?: number;
}

/**
 * One meta-val evaluation of few-shot MNIST per call (5-way 1-shot, 15 queries per class, an MLP
 * 784 → 64 → 64 → 5 from fresh weights, 10 SGD adaptation steps of every held-out task, scored at
 * 0, 1, 5 and 10): maml's defaults. Returns the headline accuracy; dispose() frees everything.
 */
export function referenceFewShotEvaluation(o: ReferenceFewShotOptions = {}): {
  step(): number;
  dispose(): void;
} {
  registerSecondOrderGradients(); // the gradients the episodic loop registers (logSoftmax's max)
  const options = fewShotMnist.options.parse({ evalTasks: o.evalTasks ?? 100 });
  const family = fewShotMnist.family(options, { seed: o.seed ?? 0 });
  const net: NetShape = {
    input: family.features,
    hidden: [64, 64],
    output: family.outputs,
    activation: "relu",
  };
  const start = initParams(net, new Rng(o.seed ?? 0), "fewshot");
  const rule = { optimizer: "sgd", lr: 0.01, headOnly: false } as const;
  return {
    step: () =>
      evaluateFamily(family, "val", start, rule, net, "digits").find((m) => m.name === "accuracy")?.value ??
      Number.NaN,
    dispose: () => tf.dispose(start),
  };
}
