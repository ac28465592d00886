/**
 * The trainer on both paths: with the accel (wasm kernels, hand backpropagation, fused
 * optimiser) and on plain tfjs (the same wasm backend with the accel disabled, or MTL_ACCEL=off
 * in a fresh process). They must train to the same numbers within float tolerance.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BuiltinTrialConfig, type FinalMetrics } from "@mtl/spec";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { accel } from "./accel.ts";
import { initBackend } from "./backend.ts";
import { runTrial } from "./train.ts";

beforeAll(() => initBackend("wasm"));
afterEach(() => accel()?.enable());

/** A small model over mixed tasks: a 3-class and a binary head, an mse and a huber regression. */
const SMALL = {
  experiment: "accel",
  seed: 5,
  dataset: { name: "mnist-multitask", options: { n_samples: 300 } },
  tasks: [
    { name: "mod3", kind: "classification", metric: "accuracy" },
    { name: "parity", kind: "classification", metric: "f1" },
    { name: "value", kind: "regression", metric: "mse" },
    { name: "v_huber", target: "value", kind: "regression", metric: "mae", loss: "huber" },
  ],
  model: { architecture: "hard-sharing", hidden: [16, 8] },
  strategy: "equal",
  training: { epochs: 2, batchSize: 32, learningRate: 0.01 },
  backend: "wasm",
};

function expectClose(a: FinalMetrics | undefined, b: FinalMetrics | undefined, tol: number, atLeast = 20) {
  const flat = (m: FinalMetrics | undefined) =>
    Object.entries(m ?? {}).flatMap(([task, splits]) =>
      Object.entries(splits).flatMap(([split, metrics]) =>
        Object.entries(metrics).map(([name, v]) => [`${task}/${split}/${name}`, v] as const),
      ),
    );
  const bs = new Map(flat(b));
  expect(flat(a).length).toBeGreaterThan(atLeast);
  for (const [key, v] of flat(a)) {
    const w = bs.get(key) as number;
    expect(Math.abs(v - w), key).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w)));
  }
}

/** The same trial trained with the accel, then with it disabled (afterEach enables it again). */
async function bothWays(config: BuiltinTrialConfig) {
  expect(accel()?.active).toBe(true);
  const fast = await runTrial(config);
  accel()?.disable();
  const plain = await runTrial(config);
  expect(fast.status).toBe("completed");
  expect(plain.status).toBe("completed");
  return { fast, plain };
}

describe("the accel and plain tfjs train to the same numbers", () => {
  it("on the wasm backend, accel enabled vs disabled", async () => {
    const { fast, plain } = await bothWays(BuiltinTrialConfig.parse(SMALL));
    // Float32 sums in another order, compounded over 20 Adam steps.
    expectClose(fast.final, plain.final, 2e-3);
  }, 60_000);

  it("MTL_ACCEL=off in a fresh process trains on plain tfjs, as the disabled accel does", async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const script = `
      import { accel, initBackend, runTrial } from "./src/index.ts";
      import { BuiltinTrialConfig } from "@mtl/spec";
      await initBackend("wasm");
      const out = await runTrial(BuiltinTrialConfig.parse(${JSON.stringify(SMALL)}));
      console.log(JSON.stringify({ accel: accel(), out }));
    `;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: join(here, ".."),
      env: { ...process.env, MTL_ACCEL: "off" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(child.status, child.stderr).toBe(0);
    const { accel: installed, out } = JSON.parse(child.stdout.trim().split("\n").pop() as string);
    expect(installed).toBeNull();
    accel()?.disable();
    const plain = await runTrial(BuiltinTrialConfig.parse(SMALL));
    expectClose(out.final, plain.final, 1e-6);
  }, 60_000);

  it("on few-shot MNIST with maml (batched [tasks, n, d] products, second order), accel enabled vs disabled", async () => {
    const config = BuiltinTrialConfig.parse({
      experiment: "accel",
      seed: 3,
      dataset: {
        name: "few-shot-mnist",
        options: {
          n_samples: 600,
          nWay: 3,
          kShot: 2,
          queries: 3,
          testDigits: [7, 8, 9],
          evalTasks: 5,
          evalSteps: [0, 1, 3],
        },
      },
      tasks: [{ name: "digits", kind: "classification", metric: "accuracy" }],
      model: { hidden: [12, 10] },
      strategy: { name: "maml", options: { iterationsPerEpoch: 3, metaBatch: 3 } },
      training: { epochs: 2 },
      backend: "wasm",
    });
    const { fast, plain } = await bothWays(config);
    // Loss and accuracy at 0, 1 and 3 adaptation steps, on val and test, and the training loss.
    expectClose(fast.final, plain.final, 2e-3, 12);
  }, 60_000);
});
