/**
 * Adaptation to new tasks and the meta-test protocol: from a learner's parameters, take k
 * gradient steps on each held-out task's support set and score its query set after 0, 1, 5, 10
 * (the family's `evalSteps`) steps. No gradient tape outlives a step: this is plain fine-tuning.
 */

import type { MetricPoint } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { predictInto, taskMetrics } from "../evaluate.ts";
import { lossOnHost } from "../losses.ts";
import { expand, forward, type NetShape, type Params, summedLoss } from "./net.ts";
import type { AdaptRule, Episodes, TaskFamily } from "./types.ts";

export interface EpisodeTensors {
  tasks: number;
  sx: tf.Tensor3D;
  sy: tf.Tensor2D;
  qx: tf.Tensor3D;
  qy: tf.Tensor2D;
  /** `qy` as it is on the host (a view of the episodes' array), for scoring there. */
  queryY: Float32Array | Int32Array;
}

/** Episodes [from, to) on the device. */
export function toTensors(e: Episodes, from = 0, to = e.tasks): EpisodeTensors {
  const B = to - from;
  const { shots: K, queries: Q, features: d } = e;
  const ys = (y: Float32Array | Int32Array, n: number) =>
    y instanceof Int32Array
      ? tf.tensor2d(y.subarray(from * n, to * n), [B, n], "int32")
      : tf.tensor2d(y.subarray(from * n, to * n), [B, n]);
  return {
    tasks: B,
    sx: tf.tensor3d(e.supportX.subarray(from * K * d, to * K * d), [B, K, d]),
    sy: ys(e.supportY, K),
    qx: tf.tensor3d(e.queryX.subarray(from * Q * d, to * Q * d), [B, Q, d]),
    qy: ys(e.queryY, Q),
    queryY: e.queryY.subarray(from * Q, to * Q),
  };
}

export function disposeEpisodes(t: EpisodeTensors): void {
  tf.dispose([t.sx, t.sy, t.qx, t.qy]);
}

/** A batched optimiser over per-task parameter copies (elementwise, so tasks stay independent). */
export interface Adapter {
  /** Applies one step of `grads` to `params` in place of the old ones (which it disposes). */
  step(params: Params, grads: tf.Tensor[]): Params;
  dispose(): void;
}

export function createAdapter(rule: AdaptRule, count: number): Adapter {
  const from = rule.headOnly ? count - 2 : 0;
  if (rule.optimizer === "sgd")
    return {
      step: (params, grads) =>
        params.map((p, i) => {
          if (i < from) return p;
          const next = tf.tidy(() => tf.sub(p, tf.mul(rule.lr, grads[i] as tf.Tensor)));
          p.dispose();
          return next;
        }),
      dispose() {},
    };
  // Adam (Kingma & Ba 2015) with β1 = 0.9, β2 = 0.999, ε = 1e-8, bias-corrected.
  let t = 0;
  const m: (tf.Tensor | undefined)[] = [];
  const v: (tf.Tensor | undefined)[] = [];
  return {
    step(params, grads) {
      t++;
      const c1 = 1 - 0.9 ** t;
      const c2 = 1 - 0.999 ** t;
      return params.map((p, i) => {
        if (i < from) return p;
        const g = grads[i] as tf.Tensor;
        const [mi, vi, next] = tf.tidy(() => {
          const mi = m[i] ? tf.add(tf.mul(0.9, m[i] as tf.Tensor), tf.mul(0.1, g)) : tf.mul(0.1, g);
          const vi = v[i]
            ? tf.add(tf.mul(0.999, v[i] as tf.Tensor), tf.mul(0.001, tf.square(g)))
            : tf.mul(0.001, tf.square(g));
          const update = tf.div(tf.div(mi, c1), tf.add(tf.sqrt(tf.div(vi, c2)), 1e-8));
          return [mi, vi, tf.sub(p, tf.mul(rule.lr, update))];
        });
        m[i]?.dispose();
        v[i]?.dispose();
        m[i] = mi;
        v[i] = vi;
        p.dispose();
        return next;
      });
    },
    dispose() {
      tf.dispose([...m, ...v].filter((x): x is tf.Tensor => x !== undefined));
    },
  };
}

/** Gradients of Σ_b L_support,b with respect to each task's copy (no tape survives). */
export function supportGrads(params: Params, e: EpisodeTensors, classes: number, net: NetShape): tf.Tensor[] {
  return tf.tidy(() =>
    tf.grads((...p: tf.Tensor[]) => summedLoss(p, e.sx, e.sy, classes, net.activation))(params),
  );
}

/**
 * The query set's metrics after each of `steps` adaptation steps, summed over the tasks of `e`:
 * step → metric name → Σ over tasks. Each task is scored like any task of a standard trial (the
 * evaluator's `taskMetrics`, with the meta-training loss: cross-entropy or mse).
 */
export function adaptAndScore(
  start: tf.Tensor[],
  e: EpisodeTensors,
  rule: AdaptRule,
  steps: number[],
  classes: number,
  net: NetShape,
): Map<number, Map<string, number>> {
  const out = new Map<number, Map<string, number>>();
  const last = Math.max(...steps);
  const truth = e.queryY;
  const Q = e.qy.shape[1];
  const loss = classes > 0 ? "cross-entropy" : "mse";
  let params = tf.tidy(() => expand(start, e.tasks));
  const adapter = createAdapter(rule, params.length);
  try {
    for (let k = 0; k <= last; k++) {
      if (steps.includes(k)) {
        const o = tf.tidy(() => forward(params, e.qx, net.activation));
        const width = o.shape[2];
        const values = o.dataSync() as Float32Array;
        o.dispose();
        const sums = new Map<string, number>();
        const pred = classes > 0 ? new Int32Array(Q) : new Float32Array(Q);
        for (let b = 0; b < e.tasks; b++) {
          const v = values.subarray(b * Q * width, (b + 1) * Q * width);
          const y = truth.subarray(b * Q, (b + 1) * Q);
          predictInto(pred, 0, v, Q, width, classes);
          const l = lossOnHost(loss, v, y, Q, width, null, 1);
          for (const [name, value] of taskMetrics(l, pred, y, classes))
            sums.set(name, (sums.get(name) ?? 0) + value);
        }
        out.set(k, sums);
      }
      if (k < last) {
        const grads = supportGrads(params, e, classes, net);
        params = adapter.step(params, grads);
        tf.dispose(grads);
      }
    }
  } finally {
    tf.dispose(params);
    adapter.dispose();
  }
  return out;
}

const EVAL_CHUNK = 50;

/**
 * Meta-test metrics on held-out tasks of `split`, as MetricPoints of `task`, each the mean over
 * the tasks: regression: `query_mse@k`, then the headline step's `loss`, `mse` and `mae`;
 * classification: `query_loss@k`, `query_accuracy@k`, then the headline step's `loss`,
 * `accuracy` and `f1`.
 */
export function evaluateFamily(
  family: TaskFamily,
  split: "val" | "test",
  start: tf.Tensor[],
  rule: AdaptRule,
  net: NetShape,
  task: string,
  /** Score only the first tasks that hold about this many points (a smoke run). */
  samples?: number,
): MetricPoint[] {
  const all = family.heldOut(split);
  const episodes =
    samples === undefined
      ? all
      : firstTasks(all, Math.max(1, Math.floor(samples / (all.shots + all.queries))));
  const classes = family.kind === "classification" ? family.outputs : 0;
  const steps = [...new Set([...family.evalSteps, family.headlineStep])];
  const sums = new Map<number, Map<string, number>>(steps.map((k) => [k, new Map()]));
  for (let from = 0; from < episodes.tasks; from += EVAL_CHUNK) {
    const e = toTensors(episodes, from, Math.min(from + EVAL_CHUNK, episodes.tasks));
    try {
      for (const [k, chunk] of adaptAndScore(start, e, rule, steps, classes, net)) {
        const s = sums.get(k) as Map<string, number>;
        for (const [name, value] of chunk) s.set(name, (s.get(name) ?? 0) + value);
      }
    } finally {
      disposeEpisodes(e);
    }
  }
  const mean = (k: number, name: string) => (sums.get(k)?.get(name) ?? Number.NaN) / episodes.tasks;
  const points: MetricPoint[] = [];
  const push = (name: string, value: number) => points.push({ task, split, name, value });
  for (const k of family.evalSteps) {
    if (classes > 0) {
      push(`query_loss@${k}`, mean(k, "loss"));
      push(`query_accuracy@${k}`, mean(k, "accuracy"));
    } else push(`query_mse@${k}`, mean(k, "mse"));
  }
  for (const name of sums.get(family.headlineStep)?.keys() ?? []) push(name, mean(family.headlineStep, name));
  return points;
}

/** The first `count` tasks of `e` (views, no copy). */
function firstTasks(e: Episodes, count: number): Episodes {
  const B = Math.min(count, e.tasks);
  const { shots: K, queries: Q, features: d } = e;
  return {
    ...e,
    tasks: B,
    supportX: e.supportX.subarray(0, B * K * d),
    supportY: e.supportY.subarray(0, B * K),
    queryX: e.queryX.subarray(0, B * Q * d),
    queryY: e.queryY.subarray(0, B * Q),
  };
}
