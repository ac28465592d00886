/**
 * MAML's meta-gradient against finite differences of the meta-objective: second-order MAML must
 * match them (relu, tanh, and cross-entropy nets), first-order must not (so the check has teeth),
 * and both must agree where the second-order term vanishes (a support loss linear in θ).
 */

import { Rng, rngStream } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.ts";
import { type MamlProblem, type MamlSettings, mamlGradients } from "./maml.ts";
import { forward, initParams, type NetShape, summedLoss, taskLosses } from "./net.ts";
import { registerSecondOrderGradients } from "./second-order.ts";

beforeAll(async () => {
  await initBackend("wasm");
  registerSecondOrderGradients();
});

const B = 3;
const rng = new Rng("second-order-test");
const data = (n: number, classes: number) => {
  const x = tf.tensor3d(
    Float32Array.from({ length: B * n }, () => 4 * rng.float() - 2),
    [B, n, 1],
  );
  const y =
    classes > 0
      ? tf.tensor2d(
          Int32Array.from({ length: B * n }, () => rng.int(classes)),
          [B, n],
          "int32",
        )
      : tf.tensor2d(
          Float32Array.from({ length: B * n }, () => 2 * rng.float() - 1),
          [B, n],
        );
  return { x, y };
};

function netProblem(net: NetShape, classes: number): MamlProblem {
  const s = data(6, classes);
  const q = data(8, classes);
  return {
    tasks: B,
    inner: (p) => summedLoss(p, s.x, s.y, classes, net.activation),
    outer: (p) => tf.mean(taskLosses(forward(p, q.x, net.activation), q.y, classes)) as tf.Scalar,
  };
}

/** ⟨∇f, v⟩ from the meta-gradient, and (f(θ + hv) − f(θ − hv)) / 2h, along a random direction v. */
function directional(theta: tf.Tensor[], problem: MamlProblem, s: MamlSettings, h = 3e-3) {
  const dirRng = rngStream("dir", String(s.firstOrder));
  const v = theta.map((t) =>
    tf.tensor(
      Float32Array.from({ length: t.size }, () => dirRng.normal()),
      t.shape,
    ),
  );
  const { grads } = mamlGradients(theta, problem, s);
  const analytic = grads.reduce(
    (acc, g, i) => acc + (tf.sum(tf.mul(g, v[i] as tf.Tensor)).dataSync()[0] as number),
    0,
  );
  const at = (sign: number) => {
    const shifted = theta.map((t, i) => tf.add(t, tf.mul(sign * h, v[i] as tf.Tensor)));
    const r = mamlGradients(shifted, problem, { ...s, firstOrder: true });
    tf.dispose([...shifted, ...r.grads]);
    return r.loss;
  };
  const numeric = (at(1) - at(-1)) / (2 * h);
  tf.dispose([...v, ...grads]);
  return { analytic, numeric };
}

describe("second-order MAML", () => {
  for (const [activation, classes] of [
    // Not relu: its inner gradient jumps where a unit switches, so the MAML objective is
    // discontinuous in θ and central differences across a jump are meaningless (smooth gelu
    // checks the same graph of kernels, with Step's zero gradient replaced by a smooth one).
    ["gelu", 0],
    ["tanh", 0],
    // Cross-entropy with relu has kinks that make central differences erratic; tanh is smooth.
    ["tanh", 3],
  ] as const) {
    it(`matches finite differences (${activation}, ${classes ? "cross-entropy" : "mse"}); first-order does not`, () => {
      const net: NetShape = { input: 1, hidden: [8, 8], output: classes || 1, activation };
      const theta = initParams(net, rngStream("second-order init", activation, classes), "fd");
      const problem = netProblem(net, classes);
      const settings = { innerSteps: 2, innerLr: 0.3, firstOrder: false };
      const so = directional(theta, problem, settings);
      // Precondition: the differences at h and h/3 agree, i.e. they resolve the derivative.
      const finer = directional(theta, problem, settings, 1e-3);
      expect(Math.abs(finer.numeric - so.numeric)).toBeLessThan(0.02 * Math.abs(so.numeric) + 1e-3);
      const fo = directional(theta, problem, { ...settings, firstOrder: true });
      const scale = Math.abs(so.numeric);
      expect(Math.abs(so.analytic - so.numeric)).toBeLessThan(0.02 * scale + 1e-3);
      expect(Math.abs(fo.analytic - fo.numeric)).toBeGreaterThan(0.05 * Math.abs(fo.numeric));
      tf.dispose(theta);
    });
  }

  it("equals first-order MAML when the support loss is linear in θ (the Hessian term vanishes)", () => {
    // f(x) = x·W + b; support loss −mean(y·f(x)) is linear in (W, b), so H = 0 and
    // ∇_θ L_query(θ') = (I − αH)·∇L_query(θ') = ∇L_query(θ').
    const net: NetShape = { input: 1, hidden: [], output: 1, activation: "relu" };
    const theta = initParams(net, new Rng("linear"), "lin");
    const s = data(6, 0);
    const q = data(8, 0);
    const problem: MamlProblem = {
      tasks: B,
      inner: (p) =>
        tf.neg(tf.sum(tf.mean(tf.mul(tf.squeeze(forward(p, s.x, "relu"), [2]), s.y), 1))) as tf.Scalar,
      outer: (p) => tf.mean(taskLosses(forward(p, q.x, "relu"), q.y, 0)) as tf.Scalar,
    };
    const settings = { innerSteps: 3, innerLr: 0.5, firstOrder: false };
    const so = mamlGradients(theta, problem, settings);
    const fo = mamlGradients(theta, problem, { ...settings, firstOrder: true });
    expect(so.loss).toBeCloseTo(fo.loss, 6);
    so.grads.forEach((g, i) => {
      const a = Array.from(g.dataSync());
      const b = Array.from((fo.grads[i] as tf.Tensor).dataSync());
      a.forEach((value, j) => {
        expect(value).toBeCloseTo(b[j] as number, 5);
      });
    });
    // …and that problem is not trivial: the meta-gradient is far from zero.
    expect(Math.max(...so.grads.flatMap((g) => Array.from(g.dataSync()).map(Math.abs)))).toBeGreaterThan(0.1);
    tf.dispose([...theta, ...so.grads, ...fo.grads]);
  });

  it("leaves no tensors behind", () => {
    const net: NetShape = { input: 1, hidden: [4], output: 1, activation: "relu" };
    const theta = initParams(net, new Rng("leak"), "leak");
    const problem = netProblem(net, 0);
    const before = tf.memory().numTensors;
    for (const firstOrder of [false, true]) {
      const r = mamlGradients(theta, problem, { innerSteps: 2, innerLr: 0.1, firstOrder });
      tf.dispose(r.grads);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(theta);
  });
});
