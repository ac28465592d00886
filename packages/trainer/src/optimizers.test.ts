import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { initBackend } from "./backend.ts";
import {
  addWeightDecay,
  createOptimizer,
  FusedOptimizer,
  isFusedOptimizer,
  type OptimizerName,
  tfjsOptimizer,
} from "./optimizers.ts";

const RULES: OptimizerName[] = ["adam", "sgd", "momentum", "rmsprop"];

/**
 * Trains a small least-squares problem (a [7, 5] weight and a [5] bias, sizes off the SIMD width)
 * for `steps` steps with `make()`'s optimiser, weight decay as makeStep applies it, and returns
 * the final values.
 */
function train(make: () => tf.Optimizer, wd: number, steps = 25): Float32Array[] {
  const rng = tf.randomNormal([32, 7], 0, 1, "float32", 1);
  const y = tf.randomNormal([32, 5], 0, 1, "float32", 2);
  const [W, b] = tf.tidy(() => [
    tf.variable(tf.randomNormal([7, 5], 0, 0.5, "float32", 3), true, `W_${Math.random()}`),
    tf.variable(tf.zeros([5]), true, `b_${Math.random()}`),
  ]) as [tf.Variable, tf.Variable];
  const opt = make();
  const vars = new Map([[W.name, W]]); // the bias is not decayed here: only W is "the model's"
  for (let i = 0; i < steps; i++) {
    const { value, grads } = tf.variableGrads(
      () =>
        tf.mean(
          tf.square(tf.sub(tf.add(tf.matMul(rng as tf.Tensor2D, W as tf.Tensor2D), b), y)),
        ) as tf.Scalar,
      [W, b],
    );
    value.dispose();
    if (isFusedOptimizer(opt)) {
      opt.applyGradients(grads, wd, (n) => vars.has(n));
      tf.dispose(Object.values(grads));
    } else {
      const decayed = addWeightDecay(grads, vars, wd);
      opt.applyGradients(decayed);
      tf.dispose(Object.values(decayed));
    }
  }
  const out = [W.dataSync().slice(), b.dataSync().slice()] as Float32Array[];
  opt.dispose();
  tf.dispose([rng, y, W, b]);
  return out;
}

function expectClose(got: Float32Array[], want: Float32Array[], start: Float32Array[]): void {
  got.forEach((g, i) => {
    const w = want[i] as Float32Array;
    const s = start[i] as Float32Array;
    for (let j = 0; j < g.length; j++) {
      // Relative to the distance travelled, so a no-op update could not pass.
      const moved = Math.abs((w[j] as number) - (s[j] as number));
      expect(Math.abs((g[j] as number) - (w[j] as number))).toBeLessThanOrEqual(
        1e-6 * Math.max(moved, 1e-3) + 1e-7,
      );
    }
  });
}

const initial = (): Float32Array[] =>
  tf.tidy(() => [
    tf.randomNormal([7, 5], 0, 0.5, "float32", 3).dataSync().slice() as Float32Array,
    new Float32Array(5),
  ]);

describe("FusedOptimizer", () => {
  for (const backend of ["wasm", "cpu"] as const)
    for (const rule of RULES)
      for (const wd of [0, 0.01])
        it(`${rule}${wd ? " with weight decay" : ""} makes tfjs's updates on ${backend}`, async () => {
          await initBackend(backend);
          const spec = { optimizer: rule, learningRate: rule === "sgd" ? 0.05 : 0.01 };
          const want = train(() => tfjsOptimizer(spec), wd);
          const before = tf.memory().numTensors; // (tfjs's momentum optimiser leaks a scalar)
          const got = train(() => new FusedOptimizer(rule, spec.learningRate), wd);
          expectClose(got, want, initial());
          expect(tf.memory().numTensors).toBe(before);
        });

  it("updates a variable in place on wasm only while nothing else shares its buffer", async () => {
    await initBackend("wasm");
    const init = tf.ones([6]);
    const v = tf.variable(init, true, `v_${Math.random()}`);
    init.dispose(); // else it shares the variable's buffer
    const opt = new FusedOptimizer("sgd", 0.5);
    const step = () => {
      const g = tf.fill([6], 1);
      opt.applyGradients({ [v.name]: g });
      g.dispose();
    };
    const id = v.dataId;
    step();
    expect(v.dataId).toBe(id); // in place
    expect(Array.from(v.dataSync())).toEqual(new Array(6).fill(0.5));
    const snapshot = tf.clone(v); // shares the buffer (as Reptile's copy of θ does)
    step();
    expect(Array.from(snapshot.dataSync())).toEqual(new Array(6).fill(0.5));
    expect(Array.from(v.dataSync())).toEqual(new Array(6).fill(0));
    tf.dispose([snapshot, v]);
    opt.dispose();
  });

  it("is what createOptimizer returns on wasm, and tfjs's own elsewhere", async () => {
    await initBackend("cpu");
    const cpu = createOptimizer({ optimizer: "adam", learningRate: 0.1 });
    expect(isFusedOptimizer(cpu)).toBe(false);
    cpu.dispose();
    await initBackend("wasm");
    const wasm = createOptimizer({ optimizer: "adam", learningRate: 0.1 });
    expect(isFusedOptimizer(wasm)).toBe(true);
    wasm.dispose();
  });
});
