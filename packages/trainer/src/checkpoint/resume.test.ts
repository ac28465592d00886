/**
 * Bit-for-bit resume: a trial interrupted mid-epoch and resumed from its latest checkpoint ends
 * with the same final metrics and the same weights (the bytes of its kept final model) as one
 * never interrupted, on the same backend. Covered: the hand-backpropagated dense step (equal,
 * dwa, rlw on the accel), the tape's loss path (uncertainty, with its own trained tensors),
 * gradient strategies (pcgrad draws from its stream; gradnorm keeps λ and their Adam moments),
 * and tfjs's own optimisers (the accel disabled: Adam, momentum, RMSprop).
 */
import { BuiltinTrialConfig, type EpochReport } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { accel } from "../accel.ts";
import { initBackend } from "../backend.ts";
import { runTrial } from "../train.ts";
import { decodeCheckpoint } from "./checkpoint.ts";

beforeAll(() => initBackend("wasm"));
afterEach(() => accel()?.enable());

const BASE = {
  experiment: "ckpt",
  seed: 11,
  dataset: { name: "classification", options: { n_samples: 300, n_tasks: 2 } },
  tasks: [
    { name: "a", target: "task1", kind: "classification", metric: "accuracy" },
    { name: "b", target: "task2", kind: "classification", metric: "f1" },
  ],
  model: { architecture: "hard-sharing", hidden: [12] },
  strategy: "equal",
  training: { epochs: 4, batchSize: 32, learningRate: 0.02 },
  backend: "wasm",
};
const config = (over: Record<string, unknown> = {}) => BuiltinTrialConfig.parse({ ...BASE, ...over });

interface Run {
  reports: EpochReport[];
  checkpoints: { epoch: number; bytes: Uint8Array }[];
  finalModel?: Uint8Array;
  outcome: Awaited<ReturnType<typeof runTrial>>;
}

/** Runs `c` with a checkpoint after every epoch; `cancelIn` cancels a few steps into that epoch. */
async function run(
  c: BuiltinTrialConfig,
  opts: { resume?: Uint8Array; cancelIn?: number } = {},
): Promise<Run> {
  const r: Omit<Run, "outcome"> = { reports: [], checkpoints: [] };
  let polls = 0;
  const outcome = await runTrial(c, {
    ...(opts.resume ? { resume: opts.resume } : {}),
    onEpoch: (report) => void r.reports.push(report),
    shouldStop: () => {
      if (opts.cancelIn === undefined || r.reports.length < opts.cancelIn - 1) return null;
      return ++polls > 3 ? "cancelled" : null;
    },
    checkpoint: { every: 1, save: (cp) => void r.checkpoints.push(cp) },
    keep: {
      save: (m) => {
        if (m.kind === "final") r.finalModel = m.bytes;
      },
    },
  });
  return { ...r, outcome };
}

const withoutWall = (reports: EpochReport[]) => reports.map(({ wallMs: _, ...rest }) => rest);

/**
 * Interrupts `c` (4 epochs) in epoch 3, resumes from its last checkpoint, and compares with a
 * whole run. `kept`: whether the trial keeps weights (episodic strategies keep none).
 */
async function expectResumesExactly(c: BuiltinTrialConfig, kept = true): Promise<void> {
  const whole = await run(c);
  expect(whole.outcome.status).toBe("completed");
  // Checkpoints after epochs 1..3, none after the last.
  expect(whole.checkpoints.map((x) => x.epoch)).toEqual([1, 2, 3]);

  const cut = await run(c, { cancelIn: 3 });
  expect(cut.outcome).toMatchObject({ status: "cancelled", epochs: 2 });
  const last = cut.checkpoints.at(-1);
  expect(last?.epoch).toBe(2);
  // The same training writes the same bytes.
  expect(Buffer.from(last?.bytes ?? [])).toEqual(Buffer.from(whole.checkpoints[1]?.bytes ?? []));

  const resumed = await run(c, { resume: last?.bytes as Uint8Array });
  expect(resumed.outcome).toMatchObject({ status: "completed", epochs: 4, resumedFrom: 2 });
  expect(resumed.reports.map((r) => r.epoch)).toEqual([3, 4]);
  expect(withoutWall(resumed.reports)).toEqual(withoutWall(whole.reports.slice(2)));
  expect(resumed.outcome.final).toEqual(whole.outcome.final);
  if (!kept) {
    expect(resumed.finalModel).toBeUndefined();
    return;
  }
  expect(resumed.finalModel).toBeDefined();
  expect(Buffer.from(resumed.finalModel ?? [])).toEqual(Buffer.from(whole.finalModel ?? []));
}

describe("a trial resumed from a checkpoint ends as if never interrupted", () => {
  it("equal weighting on the hand-backpropagated dense step (accel, fused Adam)", async () => {
    expect(accel()?.active).toBe(true);
    await expectResumesExactly(config());
  });

  it("dwa keeps its loss history; rlw draws on from its stream (dense step)", async () => {
    await expectResumesExactly(config({ strategy: { name: "dwa", options: { temperature: 2 } } }));
    await expectResumesExactly(
      config({ strategy: "rlw", training: { ...BASE.training, optimizer: "momentum" } }),
    );
  });

  it("uncertainty: the tape's loss path with the strategy's own trained tensors", async () => {
    const c = config({ strategy: "uncertainty", tasks: [BASE.tasks[0], { ...BASE.tasks[1], name: "b" }] });
    await expectResumesExactly(c);
    const whole = await run(c);
    const names = decodeCheckpoint(whole.checkpoints[0]?.bytes as Uint8Array).parameters.map((p) => p.name);
    expect(names).toContain("uncertainty_s");
  });

  it("gradient strategies: pcgrad (random order) and gradnorm (learned weights)", async () => {
    await expectResumesExactly(config({ strategy: "pcgrad" }));
    await expectResumesExactly(
      config({ strategy: "gradnorm", model: { architecture: "mmoe", hidden: [8] } }),
    );
  });

  it("tfjs's own optimisers (the accel disabled): Adam's β powers, momentum, RMSprop", async () => {
    accel()?.disable();
    await expectResumesExactly(config());
    await expectResumesExactly(
      config({ strategy: "dwa", training: { ...BASE.training, optimizer: "rmsprop" } }),
    );
    await expectResumesExactly(
      config({
        strategy: "gradnorm",
        training: { ...BASE.training, optimizer: "momentum", weightDecay: 1e-3 },
      }),
    );
  });

  it("phased strategies: transfer resumed inside pretraining, distill inside the student's phase", async () => {
    await expectResumesExactly(config({ strategy: { name: "transfer", options: { pretrainEpochs: 3 } } }));
    // The student's soft targets are the restored teacher's.
    await expectResumesExactly(config({ strategy: { name: "distill", options: { teacherEpochs: 1 } } }));
  });

  it("episodic strategies: maml, reptile (its step size decays with the iteration), pretrain-finetune", async () => {
    const episodic = (strategy: string) =>
      BuiltinTrialConfig.parse({
        ...BASE,
        dataset: { name: "sinusoid", options: { evalTasks: 5 } },
        tasks: [{ name: "sinusoid", kind: "regression", metric: "mse" }],
        model: { hidden: [8] },
        strategy: { name: strategy, options: { iterationsPerEpoch: 4, metaBatch: 3 } },
        training: { epochs: 4, learningRate: 3e-3, batchSize: 20 },
      });
    await expectResumesExactly(episodic("maml"), false);
    await expectResumesExactly(episodic("reptile"), false);
    await expectResumesExactly(episodic("pretrain-finetune"), false);
  });

  it("frees every tensor it restores", async () => {
    const c = config({ strategy: "uncertainty" });
    const { checkpoints } = await run(c);
    const before = tf.memory().numTensors;
    await run(c, { resume: checkpoints[0]?.bytes as Uint8Array });
    expect(tf.memory().numTensors).toBe(before);
  });
});
