/**
 * Checkpoints are data: what is restored is checked (SHA-256, format version, shapes, names, the
 * trial's identity) and a checkpoint that does not fit is refused with its reason before any
 * training. Also: the cadence, kept weights (best and final), and a failing save.
 */
import { createHash } from "node:crypto";
import { BuiltinTrialConfig, type EpochReport } from "@mtl/spec";
import type * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { initBackend } from "../backend.ts";
import { applyAll, headBlocks, trunkBlocks, varsOf } from "../models/layers.ts";
import { registerArchitecture, registerStrategy } from "../registries.ts";
import { runTrial } from "../train.ts";
import { CheckpointCadence } from "./cadence.ts";
import { CheckpointError, checkCheckpoint, decodeCheckpoint } from "./checkpoint.ts";

beforeAll(() => initBackend("wasm"));
afterEach(() => vi.useRealTimers());

const BASE = {
  experiment: "ckpt",
  seed: 5,
  dataset: { name: "classification", options: { n_samples: 240 } },
  tasks: [
    { name: "a", target: "task1", kind: "classification", metric: "accuracy" },
    { name: "b", target: "task2", kind: "classification", metric: "f1" },
  ],
  model: { architecture: "hard-sharing", hidden: [8] },
  strategy: "equal",
  training: { epochs: 3, batchSize: 32, learningRate: 0.02 },
  backend: "wasm",
};
const config = (over: Record<string, unknown> = {}) => BuiltinTrialConfig.parse({ ...BASE, ...over });

/** The checkpoints of a whole run of `c`, one per epoch but the last. */
async function checkpointsOf(c: BuiltinTrialConfig): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const outcome = await runTrial(c, { checkpoint: { every: 1, save: ({ bytes }) => void out.push(bytes) } });
  expect(outcome.status).toBe("completed");
  expect(out.length).toBe(c.training.epochs - 1);
  return out;
}

/** Bytes re-sealed after `edit` changed their header JSON (a well-formed but different checkpoint). */
function resealed(bytes: Uint8Array, edit: (header: Record<string, unknown>) => void): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length)));
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const oldStart = (12 + length + 3) & ~3;
  const start = (12 + json.length + 3) & ~3;
  const payload = bytes.subarray(oldStart, bytes.length - 32);
  const out = new Uint8Array(start + payload.length + 32);
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(payload, start);
  out.set(
    createHash("sha256")
      .update(out.subarray(0, start + payload.length))
      .digest(),
    start + payload.length,
  );
  return out;
}

const reasonOf = (bytes: Uint8Array, c: BuiltinTrialConfig) => {
  const r = checkCheckpoint(bytes, c);
  if (r.ok) throw new Error("expected the checkpoint to be refused");
  return r.reason;
};

describe("checkCheckpoint", () => {
  it("accepts a trial's own checkpoint and decodes what it holds", async () => {
    const c = config({ strategy: "dwa" });
    const [first] = await checkpointsOf(c);
    const r = checkCheckpoint(first as Uint8Array, c);
    expect(r.ok).toBe(true);
    const cp = decodeCheckpoint(first as Uint8Array);
    expect(cp).toMatchObject({ kind: "trial", epoch: 1, backend: "wasm", config: c });
    expect(cp.parameters.map((p) => p.name)).toEqual([
      "trunk_h0_W",
      "trunk_h0_b",
      "head0_out_W",
      "head0_out_b",
      "head1_out_W",
      "head1_out_b",
    ]);
    expect(cp.optimizers[0]?.rule).toBe("adam");
    expect(Object.keys(cp.rng).sort()).toEqual(["data order", "strategy"]);
    expect(cp.strategy).toMatchObject({ history: [[expect.any(Number), expect.any(Number)]] });
    expect(cp.final?.a?.val?.accuracy).toEqual(expect.any(Number));
    expect(cp.io.standardize?.mean).toHaveLength(20);
  });

  it("refuses bytes that are not an intact checkpoint of a known format", async () => {
    const c = config();
    const [bytes] = (await checkpointsOf(c)) as [Uint8Array];
    expect(reasonOf(new Uint8Array(100).fill(7), c)).toMatch(/not an MTL Lab checkpoint/);
    const flipped = bytes.slice();
    flipped[bytes.length - 100] = (flipped[bytes.length - 100] as number) ^ 1;
    expect(reasonOf(flipped, c)).toMatch(/checksum mismatch.*SHA-256/);
    expect(reasonOf(bytes.subarray(0, bytes.length - 4), c)).toMatch(/checksum mismatch/);
    expect(
      reasonOf(
        resealed(bytes, (h) => {
          h.version = 2;
        }),
        c,
      ),
    ).toMatch(/format version 2: this trainer reads version 1/);
    expect(
      reasonOf(
        resealed(bytes, (h) => {
          const body = h.body as { parameters: { shape: number[] }[] };
          (body.parameters[0] as { shape: number[] }).shape = [20, 9];
        }),
        c,
      ),
    ).toMatch(/parameter trunk_h0_W has 160 values for shape \[20, 9\]/);
    expect(
      reasonOf(
        resealed(bytes, (h) => {
          (h.body as { epoch: unknown }).epoch = -1;
        }),
        c,
      ),
    ).toMatch(/malformed checkpoint: epoch/);
  });

  it("refuses a checkpoint of another trial, naming what differs", async () => {
    const c = config();
    const [bytes] = (await checkpointsOf(c)) as [Uint8Array];
    expect(reasonOf(bytes, config({ training: { ...BASE.training, learningRate: 0.05 } }))).toBe(
      "it is of another trial: training.learningRate is 0.02 in the checkpoint, 0.05 in the trial",
    );
    expect(reasonOf(bytes, config({ seed: 6 }))).toBe(
      "it is of another trial: seed is 5 in the checkpoint, 6 in the trial",
    );
    expect(reasonOf(bytes, config({ model: { architecture: "mmoe", hidden: [8] } }))).toMatch(
      /^it is of another trial: model.architecture is "hard-sharing" in the checkpoint, "mmoe" in the trial/,
    );
    // Sampled parameters only restate the config: they do not make another trial.
    expect(checkCheckpoint(bytes, config({ params: { lr: 0.02 } })).ok).toBe(true);
  });

  it("refuses kept weights as a checkpoint (they hold no optimizer or random state)", async () => {
    const c = config();
    let kept: Uint8Array | undefined;
    await runTrial(c, {
      keep: {
        save: (m) => {
          kept = m.bytes;
        },
      },
    });
    expect(decodeCheckpoint(kept as Uint8Array).kind).toBe("model");
    expect(reasonOf(kept as Uint8Array, c)).toMatch(/kept model weights, not a trial checkpoint/);
  });
});

// An architecture whose width changes under the same name and config (a trainer of another
// version): a checkpoint of its old shape must not be restored into the new one.
let flexWidth = 8;
registerArchitecture({
  name: "test-flex",
  description: "test only",
  options: z.object({}).strict(),
  build(spec, _o, { inputShape, outputs, rng }) {
    const trunk = trunkBlocks({ ...spec, hidden: [flexWidth] }, inputShape, rng, "trunk");
    const heads = outputs.map((out, i) => headBlocks(spec, flexWidth, out, rng, `head${i}`));
    return {
      shared: varsOf(trunk),
      perTask: heads.map(varsOf),
      lastShared: varsOf(trunk),
      forward: (x) => {
        const z = applyAll(trunk, x);
        return heads.map((h) => applyAll(h, z) as tf.Tensor2D);
      },
    };
  },
});

describe("runTrial with a checkpoint that does not fit", () => {
  it("rejects with CheckpointError before training (another trial's checkpoint, a corrupt one)", async () => {
    const [bytes] = (await checkpointsOf(config())) as [Uint8Array];
    const reports: EpochReport[] = [];
    const other = config({ training: { ...BASE.training, batchSize: 16 } });
    const refused = runTrial(other, { resume: bytes, onEpoch: (r) => void reports.push(r) });
    await expect(refused).rejects.toBeInstanceOf(CheckpointError);
    await expect(refused).rejects.toThrow(
      "cannot resume from this checkpoint: it is of another trial: training.batchSize is 32 in the checkpoint, 16 in the trial",
    );
    const corrupt = bytes.slice();
    corrupt[40] = (corrupt[40] as number) ^ 0xff;
    await expect(runTrial(config(), { resume: corrupt })).rejects.toThrow(/checksum mismatch/);
    expect(reports).toEqual([]);
  });

  it("rejects a checkpoint whose tensors are named otherwise than the model's", async () => {
    const c = config();
    const [bytes] = (await checkpointsOf(c)) as [Uint8Array];
    const renamed = resealed(bytes, (h) => {
      const body = h.body as { parameters: { name: string }[] };
      (body.parameters[2] as { name: string }).name = "head0_h0_W";
    });
    // Intact and of this trial's config: only the model as built can tell.
    expect(checkCheckpoint(renamed, c).ok).toBe(true);
    await expect(runTrial(c, { resume: renamed })).rejects.toThrow(
      new CheckpointError("parameter #2 is head0_h0_W in the checkpoint, head0_out_W in the model as built"),
    );
  });

  it("rejects a checkpoint whose tensors do not fit the model as built, naming the tensor", async () => {
    const c = config({ model: { architecture: "test-flex", hidden: [8] } });
    const [bytes] = (await checkpointsOf(c)) as [Uint8Array];
    flexWidth = 6;
    try {
      const reports: EpochReport[] = [];
      const refused = runTrial(c, { resume: bytes, onEpoch: (r) => void reports.push(r) });
      await expect(refused).rejects.toThrow(
        "parameter trunk_h0_W has shape [20, 8] in the checkpoint, [20, 6] in the model as built",
      );
      expect(reports).toEqual([]);
    } finally {
      flexWidth = 8;
    }
  });
});

// A strategy with a loop of its own that knows nothing of checkpoints (a registered one).
const seenHooks: object[] = [];
registerStrategy({
  name: "test-own-loop",
  description: "test only",
  options: z.object({}).strict(),
  create: () => {
    throw new Error("own loop");
  },
  run: async (_config: unknown, _o: unknown, hooks: object) => {
    seenHooks.push(hooks);
    return { status: "completed", epochs: 0, backend: "wasm" };
  },
} as Parameters<typeof registerStrategy>[0]);

describe("a strategy whose own loop keeps no checkpoints", () => {
  it("refuses to resume, and is not handed the checkpoint and keep hooks", async () => {
    const c = config({ strategy: "test-own-loop" });
    const [bytes] = (await checkpointsOf(config())) as [Uint8Array];
    await expect(runTrial(c, { resume: bytes })).rejects.toThrow(
      new CheckpointError('strategy "test-own-loop" cannot resume from a checkpoint: its loop keeps none'),
    );
    expect(seenHooks).toEqual([]);
    const outcome = await runTrial(c, {
      checkpoint: { save: () => {} },
      keep: { save: () => {} },
      backend: "wasm",
    });
    expect(outcome.status).toBe("completed");
    expect(seenHooks).toEqual([{ backend: "wasm" }]);
  });
});

describe("CheckpointCadence", () => {
  it("every n epochs", () => {
    const c = new CheckpointCadence({ every: 2 }, 0, 0);
    expect([1, 2].map((e) => c.due(e, 1e9))).toEqual([false, true]);
    c.saved(2, 0, 1e6); // a slow save does not delay an epoch cadence
    expect([3, 4].map((e) => c.due(e, 1))).toEqual([false, true]);
    // Counting from the epoch resumed after.
    const resumed = new CheckpointCadence({ every: 3 }, 5, 0);
    expect([6, 7, 8].map((e) => resumed.due(e, 0))).toEqual([false, false, true]);
  });

  it("by default after a few seconds of training, and at most ~2% of the time on saving", () => {
    const c = new CheckpointCadence({}, 0, 1000);
    expect(c.due(1, 1000 + 4999)).toBe(false);
    expect(c.due(1, 1000 + 5000)).toBe(true);
    c.saved(1, 6000, 400); // a save of 400 ms: the next one no sooner than 20 s on
    expect(c.due(2, 6000 + 19_999)).toBe(false);
    expect(c.due(2, 6000 + 20_000)).toBe(true);
    const fast = new CheckpointCadence({ everyMs: 0 }, 0, 0);
    expect(fast.due(1, 0)).toBe(true);
  });

  it("refuses a cadence that is no number of epochs or milliseconds", () => {
    expect(() => new CheckpointCadence({ every: 0 }, 0, 0)).toThrow(/hooks.checkpoint.every/);
    expect(() => new CheckpointCadence({ every: 1.5 }, 0, 0)).toThrow(/hooks.checkpoint.every/);
    expect(() => new CheckpointCadence({ everyMs: -1 }, 0, 0)).toThrow(/hooks.checkpoint.everyMs/);
  });

  it("runTrial saves at the default cadence: one after the epoch where 5 s of training have passed", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    const saved: number[] = [];
    const outcome = await runTrial(config({ training: { ...BASE.training, epochs: 8 } }), {
      // Each epoch "takes" 2 s of training.
      onEpoch: () => void vi.advanceTimersByTime(2000),
      checkpoint: { save: ({ epoch }) => void saved.push(epoch) },
    });
    expect(outcome.status).toBe("completed");
    expect(saved).toEqual([3, 6]);
  });
});

describe("kept weights", () => {
  it("holds the best epoch's weights and writes them once, at the next checkpoint or the end; and the final weights", async () => {
    const c = config({ training: { ...BASE.training, epochs: 6 }, strategy: "uncertainty" });
    const accuracy = (points: readonly { task: string; split: string; name: string; value: number }[]) =>
      points.find((p) => p.task === "a" && p.split === "val" && p.name === "accuracy")?.value;
    const run = async (checkpoint?: {
      every: number;
      save: (c: { epoch: number; bytes: Uint8Array }) => void;
    }) => {
      const values: number[] = [];
      const kept: { kind: string; epoch: number; bytes: Uint8Array }[] = [];
      const outcome = await runTrial(c, {
        onEpoch: (r) => void values.push(accuracy(r.metrics) as number),
        keep: {
          objective: (m) => -(accuracy(m) as number),
          direction: "min",
          save: (m) => void kept.push(m),
        },
        ...(checkpoint ? { checkpoint } : {}),
      });
      expect(outcome.status).toBe("completed");
      return { values, kept };
    };
    // Without checkpoints: the best is written once, when the trial completes, then the final.
    const { values, kept } = await run();
    // Strict improvements of −accuracy (minimised): the running best's epochs.
    const improvements: number[] = [];
    let best = Infinity;
    values.forEach((v, i) => {
      if (-v < best) {
        best = -v;
        improvements.push(i + 1);
      }
    });
    const bestEpoch = improvements.at(-1) as number;
    expect(kept.map((k) => [k.kind, k.epoch])).toEqual([
      ["best", bestEpoch],
      ["final", 6],
    ]);
    const model = decodeCheckpoint(kept.at(-1)?.bytes as Uint8Array);
    expect(model.kind).toBe("model");
    // The model's tensors only: not the strategy's own.
    expect(model.parameters.map((p) => p.name)).not.toContain("uncertainty_s");
    expect(model.optimizers).toEqual([]);
    // With a checkpoint after every epoch (the reference weights of each epoch): each new best
    // is written with the checkpoint of its epoch (the last epoch has none: its best goes with
    // the final weights).
    const reference = new Map<number, Uint8Array>();
    const every = await run({ every: 1, save: ({ epoch, bytes }) => void reference.set(epoch, bytes) });
    expect(every.values).toEqual(values);
    expect(every.kept.filter((k) => k.kind === "best").map((k) => k.epoch)).toEqual(improvements);
    // Every second epoch: a best is held until the next checkpoint, and what is written then
    // is its epoch's weights, not the weights at the write.
    const second = await run({ every: 2, save: () => {} });
    const due: number[] = [];
    for (let e = 1; e <= 6; e++) {
      const held = Math.max(...improvements.filter((i) => i <= e));
      if ((e % 2 === 0 || e === 6) && held > (due.at(-1) ?? 0)) due.push(held);
    }
    expect(due.some((e) => e % 2 === 1)).toBe(true); // some best waited for a later checkpoint
    const bests = second.kept.filter((k) => k.kind === "best");
    expect(bests.map((k) => k.epoch)).toEqual(due);
    for (const k of bests) {
      const then = decodeCheckpoint(
        (k.epoch === 6 ? every.kept.at(-1)?.bytes : reference.get(k.epoch)) as Uint8Array,
      ).parameters;
      for (const p of decodeCheckpoint(k.bytes).parameters)
        expect(then.find((q) => q.name === p.name)?.values, `${p.name} of epoch ${k.epoch}`).toEqual(
          p.values,
        );
    }
  });

  it("a resumed trial compares with the best before the interruption", async () => {
    const c = config({ training: { ...BASE.training, epochs: 4 } });
    const bytes: Uint8Array[] = [];
    // An objective that only ever gets worse after epoch 1: its best stays epoch 1.
    const objective = () => 10 - values.length;
    const values: number[] = [];
    const kept: number[] = [];
    const keep = {
      objective,
      direction: "max" as const,
      save: (m: { kind: string; epoch: number }) => void (m.kind === "best" && kept.push(m.epoch)),
    };
    await runTrial(c, {
      onEpoch: (r) => void values.push(r.epoch),
      checkpoint: { every: 1, save: (cp) => void bytes.push(cp.bytes) },
      keep,
    });
    expect(kept).toEqual([1]);
    expect(decodeCheckpoint(bytes[1] as Uint8Array).best).toEqual({ epoch: 1, value: 9 });
    kept.length = 0;
    values.length = 0;
    const resumed = await runTrial(c, {
      resume: bytes[1] as Uint8Array,
      onEpoch: (r) => void values.push(r.epoch),
      keep,
    });
    expect(resumed.resumedFrom).toBe(2);
    expect(kept).toEqual([]);
  });

  it("a save that rejects fails the trial with its error", async () => {
    await expect(
      runTrial(config(), {
        checkpoint: {
          every: 1,
          save: () => Promise.reject(new Error("disk full")),
        },
      }),
    ).rejects.toThrow("disk full");
  });
});
