/**
 * runTrial: trains one configuration and reports per-epoch metrics. Runs inside a worker thread,
 * so it keeps no state between trials beyond the tf backend and a small dataset cache, disposes
 * every tensor it makes, and yields to the event loop between batches so that cancel messages
 * reach `shouldStop`.
 */

import type { EpochReport, FinalMetrics, MetricPoint, TrialConfig, TrialOutcome } from "@mtl/spec";
import { rngStream } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "./backend.ts";
import { loadDataset } from "./data/load.ts";
import type { SplitData, Target } from "./data/types.ts";
import { denseStep } from "./dense-step.ts";
import { lossOnHost } from "./losses.ts";
import { ownLoopRunner } from "./meta/dispatch.ts";
import { accuracy, macroF1, mae, mse } from "./metrics.ts";
import { allVariables, type Model } from "./models/types.ts";
import { addWeightDecay, createOptimizer, isFusedOptimizer } from "./optimizers.ts";
import { architectures, strategies } from "./registries.ts";
import type { GradientStrategy, LossStrategy, Strategy } from "./strategies/types.ts";
import { type BoundTask, bindTasks, taskLoss } from "./tasks.ts";

export interface TrainHooks {
  /** Called after every epoch with all metrics; awaited. */
  onEpoch?: (report: EpochReport) => void | Promise<void>;
  /** Polled between batches (at least every ~200 ms of work); a non-null answer stops the trial with that status. */
  shouldStop?: () => "pruned" | "cancelled" | null;
  /** Backend to use (overrides config.backend); default: the best that loads. */
  backend?: string;
}

/** Split data on the device. */
interface DeviceSplit {
  n: number;
  x: tf.Tensor2D;
  y: tf.Tensor1D[];
  host: SplitData;
}

const YIELD_EVERY_MS = 50;

export async function runTrial(config: TrialConfig, hooks: TrainHooks = {}): Promise<TrialOutcome> {
  // Meta-learning, transfer and distillation strategies run their own loop (src/meta).
  const ownLoop = ownLoopRunner(config);
  if (ownLoop) return ownLoop(config, hooks);
  const backend = await initBackend(hooks.backend ?? config.backend);
  // Resolve everything named in the config first: unknown names and bad options reject here.
  const arch = architectures.resolve(config.model.architecture, config.model.options);
  const strat = strategies.resolve(config.strategy.name, config.strategy.options);
  const data = await loadDataset(config.dataset);
  const tasks = bindTasks(config.tasks, data);
  const names = tasks.map((t) => t.spec.name);

  const rng = rngStream("trial", config.seed);
  const tensorsBefore = tf.memory().numTensors;
  const disposables: { dispose(): void }[] = [];
  let epoch = 0;
  let final: FinalMetrics | undefined;
  try {
    const splits = {
      train: toDevice(data.train, tasks),
      val: toDevice(data.val, tasks),
      test: toDevice(data.test, tasks),
    };
    disposables.push(...Object.values(splits).flatMap((s) => [s.x, ...s.y]));
    const model = arch.item.build(config.model, arch.options, {
      inputShape: data.inputShape,
      outputs: tasks.map((t) => t.units),
      rng: rng.fork("init"),
    });
    disposables.push(...allVariables(model));
    const strategy = strat.item.create(strat.options, {
      tasks: names,
      initialWeights: names.map((n) => config.weights?.[n] ?? 1),
      rng: rng.fork("strategy"),
    });
    disposables.push({ dispose: () => strategy.dispose?.() });
    if (strategy.kind === "gradients" && strategy.wrt === "representation" && !model.split)
      throw new Error(
        `strategy "${config.strategy.name}" needs one shared representation; architecture "${config.model.architecture}" has none`,
      );
    const optimizer = createOptimizer(config.training);
    disposables.push(optimizer);
    const step = makeStep(model, strategy, tasks, optimizer, config.training.weightDecay);
    const shuffle = rng.fork("shuffle");
    const sampler = batchSampler(data.train, tasks, config.training.batchSize);
    const batch = Math.min(config.training.batchSize, splits.train.n);

    for (epoch = 1; epoch <= config.training.epochs; epoch++) {
      const started = performance.now();
      const order = shuffle.permutation(splits.train.n);
      const lossSums = new Float64Array(tasks.length);
      const weightSums = new Float64Array(tasks.length);
      const sums: BatchSums = { losses: lossSums, weights: weightSums, steps: 0 };
      for (let from = 0; from < splits.train.n; ) {
        const end = trainBatches(
          { order, batch, sampler, step, strategy, shouldStop: hooks.shouldStop },
          from,
          sums,
        );
        if ("stop" in end)
          return { status: end.stop, epochs: epoch - 1, backend, ...(final ? { final } : {}) };
        if ("badTask" in end)
          return {
            status: "failed",
            epochs: epoch - 1,
            backend,
            error: `non-finite loss in task ${names[end.badTask]} at epoch ${epoch}`,
            ...(final ? { final } : {}),
          };
        from = end.next;
        // Let messages (a cancel) reach the thread between runs of batches.
        if (from < splits.train.n) await new Promise<void>((r) => setImmediate(r));
      }
      const steps = sums.steps;
      const weights: Record<string, number> = {};
      names.forEach((n, i) => {
        weights[n] = (weightSums[i] as number) / Math.max(steps, 1);
      });
      strategy.afterEpoch?.(Array.from(lossSums, (s) => s / Math.max(steps, 1)));

      const metrics: MetricPoint[] = [];
      for (const split of ["train", "val", "test"] as const)
        if (splits[split].n > 0) metrics.push(...evaluate(model, splits[split], tasks, split));
      final = toFinal(metrics);
      const report: EpochReport = { epoch, metrics, weights, wallMs: performance.now() - started };
      await hooks.onEpoch?.(report);
    }
    return { status: "completed", epochs: config.training.epochs, backend, ...(final ? { final } : {}) };
  } finally {
    for (const d of disposables) d.dispose();
    const leaked = tf.memory().numTensors - tensorsBefore;
    if (leaked > 0 && process.env.MTL_DEBUG_LEAKS) console.warn(`runTrial: ${leaked} tensors leaked`);
  }
}

interface BatchSums {
  losses: Float64Array;
  weights: Float64Array;
  steps: number;
}

type BatchesEnd = { next: number } | { stop: "pruned" | "cancelled" } | { badTask: number };

/**
 * Trains the batches of `order` from position `from` until YIELD_EVERY_MS has passed or the
 * epoch ends, adding each task's loss and weight to `sums`. A small function of its own: V8
 * optimises it once, where the whole trial loop inside runTrial was compiled again (~0.1 s of
 * compiler time each) as trials started.
 */
function trainBatches(
  run: {
    order: Int32Array;
    batch: number;
    sampler: ReturnType<typeof batchSampler>;
    step: Step;
    strategy: Strategy;
    shouldStop?: () => "pruned" | "cancelled" | null;
  },
  from: number,
  sums: BatchSums,
): BatchesEnd {
  const n = run.order.length;
  const started = performance.now();
  let at = from;
  while (at < n) {
    const stop = run.shouldStop?.() ?? null;
    if (stop) return { stop };
    const { xb, yb } = run.sampler.batch(run.order.subarray(at, Math.min(at + run.batch, n)));
    let losses: number[];
    try {
      losses = run.step(xb, yb);
    } finally {
      xb.dispose();
      for (const y of yb) y.dispose();
    }
    const bad = losses.findIndex((l) => !Number.isFinite(l));
    if (bad >= 0) return { badTask: bad };
    const w = run.strategy.weights();
    for (let i = 0; i < losses.length; i++) {
      sums.losses[i] = (sums.losses[i] as number) + (losses[i] as number);
      sums.weights[i] = (sums.weights[i] as number) + (w[i] ?? 1);
    }
    sums.steps++;
    at += run.batch;
    if (performance.now() - started > YIELD_EVERY_MS) break;
  }
  return { next: at };
}

/**
 * Mini-batches gathered on the host, into buffers reused from batch to batch, then copied to the
 * device as new tensors: one upload per tensor instead of an index tensor and a gather kernel for
 * the inputs and each task's targets (the same values either way).
 */
function batchSampler(split: SplitData, tasks: BoundTask[], size: number) {
  const d = split.n > 0 ? split.x.length / split.n : 0;
  const x = new Float32Array(size * d);
  const targets = tasks.map((t) => split.targets[t.spec.target] as Target);
  const ys = targets.map((t) =>
    t.kind === "classification" ? new Int32Array(size) : new Float32Array(size),
  );
  return {
    batch(rows: Int32Array): { xb: tf.Tensor2D; yb: tf.Tensor1D[] } {
      const b = rows.length;
      for (let i = 0; i < b; i++) {
        const r = rows[i] as number;
        x.set(split.x.subarray(r * d, r * d + d), i * d);
        targets.forEach((t, k) => {
          (ys[k] as Int32Array | Float32Array)[i] =
            t.kind === "classification" ? (t.labels[r] as number) : (t.values[r] as number);
        });
      }
      return {
        xb: tf.tensor2d(x.subarray(0, b * d), [b, d]),
        yb: ys.map((y) => tf.tensor1d(y.subarray(0, b), y instanceof Int32Array ? "int32" : "float32")),
      };
    },
  };
}

function toDevice(split: SplitData, tasks: BoundTask[]): DeviceSplit {
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

type Step = (x: tf.Tensor2D, y: tf.Tensor1D[]) => number[];

/** One optimisation step; returns the batch's per-task mean losses. */
export function makeStep(
  model: Model,
  strategy: Strategy,
  tasks: BoundTask[],
  optimizer: tf.Optimizer,
  weightDecay: number,
  /** false: always the gradient tape (tests compare the two). */
  byHand = true,
): Step {
  const byName = new Map<string, tf.Variable>();
  for (const v of allVariables(model)) byName.set(v.name, v);
  const apply = isFusedOptimizer(optimizer)
    ? (grads: tf.NamedTensorMap) => {
        // Weight decay inside the optimizer's single pass (only the model's variables).
        optimizer.applyGradients(grads, weightDecay, (name) => byName.has(name));
        tf.dispose(Object.values(grads));
      }
    : (grads: tf.NamedTensorMap) => {
        const decayed = addWeightDecay(grads, byName, weightDecay);
        optimizer.applyGradients(decayed);
        tf.dispose(Object.values(decayed));
      };
  const losses: TaskLosses = {
    one: (i, output, y) => taskLoss(tasks[i] as BoundTask, output, y),
    all: (outputs, y) => outputs.map((o, i) => taskLoss(tasks[i] as BoundTask, o, y[i] as tf.Tensor1D)),
  };
  const manual = byHand ? denseStep(model, strategy, tasks, losses.all, apply) : null;
  if (manual) return manual;
  return strategy.kind === "loss"
    ? lossStep(model, strategy, losses.all, apply)
    : gradientStep(model, strategy, losses, apply);
}

/**
 * Task losses, each with its own loss function and class count: `one(i, …)` is task i's mean loss
 * of its own output (a per-task pass), `all` every task's of every output.
 */
interface TaskLosses {
  one(i: number, output: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar;
  all(outputs: tf.Tensor2D[], y: tf.Tensor1D[]): tf.Scalar[];
}

function lossStep(
  model: Model,
  strategy: LossStrategy,
  taskLosses: TaskLosses["all"],
  apply: (g: tf.NamedTensorMap) => void,
): Step {
  const vars = [...allVariables(model), ...(strategy.variables ?? [])];
  return (x, y) => {
    strategy.beforeStep?.();
    let perTask: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const losses = taskLosses(model.forward(x), y);
      perTask = tf.keep(tf.stack(losses));
      const total = strategy.combine(losses);
      return model.penalty ? tf.add(total, model.penalty()) : total;
    }, vars);
    const losses = Array.from((perTask as tf.Tensor).dataSync());
    perTask?.dispose();
    value.dispose();
    if (losses.every(Number.isFinite)) apply(grads);
    else tf.dispose(Object.values(grads));
    return losses;
  };
}

/** Per-task gradients of the shared parameters (or representation), combined by the strategy. */
function gradientStep(
  model: Model,
  strategy: GradientStrategy,
  taskLosses: TaskLosses,
  apply: (g: tf.NamedTensorMap) => void,
): Step {
  const T = model.perTask.length;
  const sharedNames = new Set(model.shared.map((v) => v.name));
  const lastNames = model.lastShared.map((v) => v.name);
  return (x, y) => {
    const lossValues: tf.Scalar[] = [];
    const sharedGrads: tf.NamedTensorMap[] = [];
    const ownGrads: tf.NamedTensorMap[] = [];
    let gramT: tf.Tensor | undefined;
    let lastGramT: tf.Tensor | undefined;
    const cleanup: tf.Tensor[] = [];
    try {
      if (strategy.wrt === "representation" && model.split) {
        const split = model.split;
        const z = tf.tidy(() => split.encode(x));
        cleanup.push(z);
        const zGrads = Array.from({ length: T }, (_, i) =>
          tf.tidy(() => {
            const g = tf.grad((zz: tf.Tensor) => {
              const out = split.decode(zz)[i] as tf.Tensor2D;
              return taskLosses.one(i, out, y[i] as tf.Tensor1D);
            })(z);
            return tf.reshape(g, [-1]);
          }),
        );
        cleanup.push(...zGrads);
        gramT = tf.tidy(() => {
          const G = tf.stack(zGrads) as tf.Tensor2D;
          return tf.matMul(G, G, false, true);
        });
      } else {
        for (let i = 0; i < T; i++) {
          const own = model.perTask[i] ?? [];
          const { value, grads } = tf.variableGrads(() => {
            const out = model.forward(x)[i] as tf.Tensor2D;
            return taskLosses.one(i, out, y[i] as tf.Tensor1D);
          }, [...model.shared, ...own]);
          lossValues.push(value);
          const s: tf.NamedTensorMap = {};
          const o: tf.NamedTensorMap = {};
          for (const [name, g] of Object.entries(grads)) (sharedNames.has(name) ? s : o)[name] = g;
          sharedGrads.push(s);
          ownGrads.push(o);
        }
        const gram = (names: string[]) =>
          tf.tidy(() => {
            if (names.length === 0) return tf.zeros([T, T]);
            const G = tf.stack(
              sharedGrads.map((s) =>
                tf.concat(
                  names.map((n) =>
                    s[n] ? tf.reshape(s[n] as tf.Tensor, [-1]) : tf.zeros([sizeOf(model, n)]),
                  ),
                ),
              ),
            ) as tf.Tensor2D;
            return tf.matMul(G, G, false, true);
          });
        gramT = gram([...sharedNames]);
        lastGramT = gram(lastNames);
      }
      const toMatrix = (t: tf.Tensor | undefined) => {
        const v = t ? Array.from(t.dataSync()) : new Array<number>(T * T).fill(0);
        return Array.from({ length: T }, (_, i) => v.slice(i * T, i * T + T));
      };
      const gram = toMatrix(gramT);
      const lastGram = lastGramT ? toMatrix(lastGramT) : gram;

      if (strategy.wrt === "representation") {
        // MGDA-UB: losses come from the passes below, α from the representation gradients.
        let perTask: tf.Tensor | undefined;
        const first = tf.variableGrads(() => {
          const losses = taskLosses.all(model.forward(x), y);
          perTask = tf.keep(tf.stack(losses));
          return tf.addN(losses) as tf.Scalar;
        }, model.perTask.flat());
        const losses = Array.from((perTask as tf.Tensor).dataSync());
        perTask?.dispose();
        first.value.dispose();
        if (!losses.every(Number.isFinite)) {
          tf.dispose(Object.values(first.grads));
          return losses;
        }
        const { shared } = strategy.combine({ gram, lastGram, losses });
        const second = tf.variableGrads(() => {
          const ls = taskLosses.all(model.forward(x), y);
          return tf.addN(ls.map((l, i) => tf.mul(l, shared[i] ?? 0))) as tf.Scalar;
        }, model.shared);
        second.value.dispose();
        apply({ ...first.grads, ...second.grads });
        return losses;
      }

      const stacked = tf.stack(lossValues);
      const losses = Array.from(stacked.dataSync());
      stacked.dispose();
      if (!losses.every(Number.isFinite)) return losses;
      const { shared, heads } = strategy.combine({ gram, lastGram, losses });
      const combined: tf.NamedTensorMap = {};
      for (const name of sharedNames) {
        const parts = sharedGrads.flatMap((s, i) =>
          s[name] ? [tf.mul(s[name] as tf.Tensor, shared[i] ?? 0)] : [],
        );
        if (parts.length > 0) {
          combined[name] = tf.addN(parts);
          tf.dispose(parts);
        }
      }
      ownGrads.forEach((o, i) => {
        for (const [name, g] of Object.entries(o))
          combined[name] = heads ? tf.mul(g, heads[i] ?? 1) : tf.clone(g);
      });
      if (model.penalty) {
        const penalty = model.penalty;
        const extra = tf.variableGrads(() => penalty(), allVariables(model));
        extra.value.dispose();
        for (const [name, g] of Object.entries(extra.grads)) {
          const prev = combined[name];
          combined[name] = prev ? tf.add(prev, g) : tf.clone(g);
          prev?.dispose();
          g.dispose();
        }
      }
      apply(combined);
      return losses;
    } finally {
      tf.dispose(cleanup);
      tf.dispose(lossValues);
      for (const m of [...sharedGrads, ...ownGrads]) tf.dispose(Object.values(m));
      gramT?.dispose();
      lastGramT?.dispose();
    }
  };
}

function sizeOf(model: Model, name: string): number {
  return model.shared.find((v) => v.name === name)?.size ?? 0;
}

const EVAL_CHUNK = 2048;

/**
 * Loss and metrics of every task on one split. The model runs on the device in chunks (to
 * bound memory); losses and predictions are computed from its outputs on the host, in one pass
 * (the composed loss ops cost more than the arithmetic at these sizes).
 */
export function evaluate(
  model: Model,
  split: DeviceSplit,
  tasks: BoundTask[],
  name: "train" | "val" | "test",
): MetricPoint[] {
  const lossSum = new Float64Array(tasks.length);
  const preds = tasks.map((t) =>
    t.spec.kind === "classification" ? new Int32Array(split.n) : new Float32Array(split.n),
  );
  for (let from = 0; from < split.n; from += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, split.n - from);
    const outputs = tf.tidy(() => model.forward(tf.slice(split.x, [from, 0], [size, -1])));
    outputs.forEach((o, i) => {
      const t = tasks[i] as BoundTask;
      const width = o.shape[1];
      const values = o.dataSync() as Float32Array;
      o.dispose();
      const target = split.host.targets[t.spec.target] as Target;
      const truth = (target.kind === "classification" ? target.labels : target.values).subarray(
        from,
        from + size,
      );
      lossSum[i] =
        (lossSum[i] as number) + size * lossOnHost(t.spec.loss, values, truth, size, width, null, 1);
      const pred = preds[i] as Int32Array | Float32Array;
      if (t.spec.kind === "classification")
        for (let r = 0; r < size; r++) {
          let best = 0;
          for (let c = 1; c < width; c++)
            if ((values[r * width + c] as number) > (values[r * width + best] as number)) best = c;
          pred[from + r] = best;
        }
      else pred.set(values, from);
    });
  }
  const points: MetricPoint[] = [];
  tasks.forEach((t, i) => {
    const task = t.spec.name;
    const push = (metric: string, value: number) => points.push({ task, split: name, name: metric, value });
    push("loss", (lossSum[i] as number) / split.n);
    const target = split.host.targets[t.spec.target] as Target;
    const pred = preds[i] as Int32Array | Float32Array;
    if (target.kind === "classification") {
      push("accuracy", accuracy(pred, target.labels));
      push("f1", macroF1(pred, target.labels, target.classes));
    } else {
      push("mse", mse(pred, target.values));
      push("mae", mae(pred, target.values));
    }
  });
  return points;
}

function toFinal(metrics: MetricPoint[]): FinalMetrics {
  const out: FinalMetrics = {};
  for (const m of metrics) {
    const task = out[m.task] ?? {};
    out[m.task] = task;
    const split = task[m.split] ?? {};
    task[m.split] = split;
    split[m.name] = m.value;
  }
  return out;
}
