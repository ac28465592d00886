/**
 * An optimiser restored from its captured state steps exactly as the original goes on stepping,
 * for every rule, fused (accel) and tfjs's own, over variables of other names (another thread's
 * `_2` names); and a state moves between the two kinds.
 */
import { Rng } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { accel } from "./accel.ts";
import { initBackend } from "./backend.ts";
import { variable } from "./models/layers.ts";
import { captureOptimizer, restoreOptimizer } from "./optimizer-state.ts";
import { createOptimizer, isFusedOptimizer, type OptimizerName } from "./optimizers.ts";

beforeAll(() => initBackend("wasm"));
afterEach(() => accel()?.enable());

const SHAPES = [[5, 3], [3]];

function variables(prefix: string, rng: Rng): tf.Variable[] {
  return SHAPES.map((shape, i) =>
    variable(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
      shape,
      `${prefix}${i}`,
    ),
  );
}

/** `steps` updates with gradients drawn from `rng` (the same draws for the same rng state). */
function train(optimizer: tf.Optimizer, vars: tf.Variable[], rng: Rng, steps: number): void {
  for (let s = 0; s < steps; s++) {
    const grads = Object.fromEntries(
      vars.map((v) => [
        v.name,
        tf.tensor(
          Float32Array.from({ length: v.size }, () => rng.normal()),
          v.shape,
        ),
      ]),
    );
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
}

function copyValues(from: tf.Variable[], to: tf.Variable[]): void {
  tf.tidy(() => {
    for (const [i, v] of to.entries()) v.assign(from[i] as tf.Variable);
  });
}

const values = (vars: tf.Variable[]) => vars.map((v) => Array.from(v.dataSync()));

const RULES: OptimizerName[] = ["adam", "sgd", "momentum", "rmsprop"];

describe("optimizer state", () => {
  for (const fused of [true, false])
    for (const rule of RULES)
      it(`${fused ? "fused" : "tfjs"} ${rule}: a restored copy steps exactly as the original`, async () => {
        if (!fused) accel()?.disable();
        const spec = { optimizer: rule, learningRate: 0.01 };
        const original = createOptimizer(spec);
        expect(isFusedOptimizer(original)).toBe(fused);
        const a = variables("orig", new Rng(1));
        const b = variables("orig", new Rng(99)); // named orig0_2, orig1_2
        // Long enough for Adam's running β powers to differ from pow(β, t + 1) in the last bit.
        train(original, a, new Rng(2), 27);
        const state = await captureOptimizer(original, rule, a);
        expect(state.iterations).toBe(27);
        if (rule !== "sgd") expect(state.slots.map((s) => s.parameter)).toEqual([0, 1]);

        const copy = createOptimizer(spec);
        copyValues(a, b);
        await restoreOptimizer(copy, state, b);
        const more = new Rng(3);
        train(original, a, Rng.restore(more.state()), 7);
        train(copy, b, more, 7);
        expect(values(b)).toEqual(values(a));
        original.dispose();
        copy.dispose();
        tf.dispose([...a, ...b]);
      });

  it("a fused Adam's state resumes in tfjs's Adam (and the two go on alike)", async () => {
    const spec = { optimizer: "adam" as const, learningRate: 0.01 };
    const fusedOpt = createOptimizer(spec);
    const a = variables("f", new Rng(4));
    train(fusedOpt, a, new Rng(5), 10);
    const state = await captureOptimizer(fusedOpt, "adam", a);
    accel()?.disable();
    const plain = createOptimizer(spec);
    expect(isFusedOptimizer(plain)).toBe(false);
    const b = variables("p", new Rng(6));
    copyValues(a, b);
    await restoreOptimizer(plain, state, b);
    const again = await captureOptimizer(plain, "adam", b);
    expect(again.betaPowers).toEqual(state.betaPowers);
    expect(again.slots.map((s) => s.values)).toEqual(state.slots.map((s) => s.values));
    accel()?.enable();
    const more = new Rng(7);
    train(fusedOpt, a, Rng.restore(more.state()), 3);
    accel()?.disable();
    train(plain, b, more, 3);
    const [va, vb] = [values(a).flat(), values(b).flat()];
    for (const [i, x] of va.entries()) expect(Math.abs(x - (vb[i] as number))).toBeLessThan(1e-5);
    fusedOpt.dispose();
    plain.dispose();
    tf.dispose([...a, ...b]);
  });
});
