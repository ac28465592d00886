import { join } from "node:path";
import { Store } from "@mtl/store";
import { afterAll, describe, expect, it } from "vitest";
import { mtl, tempDir, tinyExperiment, writeExperiment } from "./helpers/cli.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe("sweeps on the embedded path", () => {
  it("prunes with ASHA and records the epoch each pruned trial stopped at", async () => {
    const spec = tinyExperiment("asha", {
      strategies: ["equal"],
      seeds: [0],
      space: { learningRate: { kind: "loguniform", low: 1e-5, high: 0.05 } },
      training: { epochs: 9, batchSize: 32 },
      sweep: {
        sampler: "random",
        maxTrials: 8,
        seed: 3,
        pruner: { kind: "asha", reduction: 3, minEpochs: 1 },
      },
    });
    const db = join(tmp.dir, "asha.db");
    const r = await mtl(["run", writeExperiment(tmp.dir, "asha", spec), "--db", db, "--workers", "2"]);
    expect(r.exitCode).toBe(0);
    const store = new Store(db, { readonly: true });
    const trials = store.trialsOf(1);
    expect(trials).toHaveLength(8);
    const pruned = trials.filter((t) => t.state === "pruned");
    expect(pruned.length).toBeGreaterThan(0);
    for (const t of pruned) {
      expect(t.prunedEpoch).toBeGreaterThan(0);
      expect(t.prunedEpoch).toBeLessThan(9);
      // Nothing was stored past the epoch the trial stopped at.
      const epochs = store.metricsOf(t.id).map((m) => m.epoch);
      expect(Math.max(...epochs)).toBe(t.prunedEpoch);
    }
    expect(trials.filter((t) => t.state === "completed").length).toBeGreaterThan(0);
    store.close();
    expect(r.stdout).toMatch(/trial \d+ pruned at epoch \d/);
  });

  it("prunes configurations, not seeds: a configuration keeps all its seeds or none, baselines are never pruned", async () => {
    const spec = tinyExperiment("asha-configs", {
      strategies: ["equal"],
      baselines: true,
      seeds: [0, 1],
      space: { learningRate: { kind: "loguniform", low: 1e-5, high: 0.05 } },
      training: { epochs: 9, batchSize: 32 },
      sweep: {
        sampler: "random",
        maxTrials: 24,
        seed: 3,
        parallelism: 4,
        pruner: { kind: "asha", reduction: 3, minEpochs: 1 },
      },
    });
    const db = join(tmp.dir, "asha-configs.db");
    // One worker: trials run one after another, so which configurations reach a rung first, and
    // so which are pruned there, does not depend on how two threads happen to interleave.
    const r = await mtl([
      "run",
      writeExperiment(tmp.dir, "asha-configs", spec),
      "--db",
      db,
      "--workers",
      "1",
    ]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const store = new Store(db, { readonly: true });
    try {
      const trials = store.trialsOf(1);
      const byConfig = new Map<string, string[]>();
      for (const t of trials) byConfig.set(t.configKey, [...(byConfig.get(t.configKey) ?? []), t.state]);
      expect(trials.some((t) => t.state === "pruned")).toBe(true);
      // A configuration's seeds are pruned together. The one exception is a seed that finished
      // while the verdict was on its way: a finished result is never thrown away.
      const pruned = [...byConfig].filter(([, states]) => states.includes("pruned"));
      expect(pruned.some(([, states]) => states.every((s) => s === "pruned"))).toBe(true);
      for (const [key, states] of byConfig) {
        if (new Set(states).size === 1) continue;
        expect(new Set(states), `${key}: ${states}`).toEqual(new Set(["pruned", "completed"]));
        for (const t of trials.filter((x) => x.configKey === key && x.state === "completed"))
          expect(t.epoch, `${key}: a completed seed trained to the end`).toBe(9);
      }
      const baselines = trials.filter((t) => t.method === "single-task");
      expect(baselines.length).toBeGreaterThan(0);
      for (const t of baselines) expect(t.state).toBe("completed");
    } finally {
      store.close();
    }
  });

  it("extends a finished sweep with more trials and plans the same ones for the same seed", async () => {
    const spec = tinyExperiment("extend", {
      strategies: ["equal"],
      seeds: [0],
      space: { learningRate: { kind: "loguniform", low: 1e-3, high: 0.05 } },
      training: { epochs: 2, batchSize: 32 },
      sweep: { sampler: "random", maxTrials: 2, seed: 7 },
    });
    const file = writeExperiment(tmp.dir, "extend", spec);
    const db = join(tmp.dir, "extend.db");
    expect((await mtl(["run", file, "--db", db, "--workers", "2"])).exitCode).toBe(0);
    const more = await mtl(["run", file, "--db", db, "--workers", "2", "--max-trials", "4"]);
    expect(more.exitCode).toBe(0);
    expect(more.stdout).toMatch(/sweep 1 complete: 4 completed/);
    const store = new Store(db, { readonly: true });
    const params = store.trialsOf(1).map((t) => t.params.learningRate);
    expect(new Set(params).size).toBe(4);
    for (const t of store.trialsOf(1)) expect(store.attemptsOf(t.id)).toHaveLength(1);
    store.close();

    // A fresh database plans the same four trials from the same sweep seed.
    const db2 = join(tmp.dir, "extend2.db");
    expect((await mtl(["run", file, "--db", db2, "--workers", "2", "--max-trials", "4"])).exitCode).toBe(0);
    const again = new Store(db2, { readonly: true });
    expect(again.trialsOf(1).map((t) => t.params.learningRate)).toEqual(params);
    again.close();
  });

  it("stops starting trials at the wall-clock limit and finishes the ones running", async () => {
    const spec = tinyExperiment("time-limit", {
      strategies: ["equal"],
      seeds: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      // Each trial takes over a second, so ten of them on two workers cannot fit in two seconds.
      training: { epochs: 60, batchSize: 8 },
      sweep: { sampler: "grid", timeLimit: 2 },
    });
    const db = join(tmp.dir, "time-limit.db");
    const r = await mtl(["run", writeExperiment(tmp.dir, "time-limit", spec), "--db", db, "--workers", "2"]);
    expect(r.exitCode).toBe(0);
    const store = new Store(db, { readonly: true });
    const trials = store.trialsOf(1);
    expect(trials.length).toBeGreaterThan(0);
    expect(trials.length).toBeLessThan(10);
    expect(trials.every((t) => t.state === "completed")).toBe(true);
    store.close();
  });
});
