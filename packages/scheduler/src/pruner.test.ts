import { PrunerSpec, Rng } from "@mtl/spec";
import { describe, expect, it } from "vitest";
import { ashaRungs } from "./asha.ts";
import { createPruner } from "./pruner.ts";
import type { TrialHistory } from "./types.ts";

const trial = (
  key: string,
  curve: [number, number][],
  state: TrialHistory["state"] = "completed",
): TrialHistory => ({
  configKey: key,
  params: {},
  seed: 0,
  state,
  curve: curve.map(([epoch, v]) => ({ epoch, values: [v] })),
});

describe("ASHA", () => {
  it("places rungs at minEpochs·η^k below maxEpochs, from the grace epoch on", () => {
    expect(ashaRungs({ reduction: 3, minEpochs: 1, maxEpochs: 27, grace: 0 })).toEqual([1, 3, 9]);
    expect(ashaRungs({ reduction: 2, minEpochs: 2, maxEpochs: 20, grace: 0 })).toEqual([2, 4, 8, 16]);
    expect(ashaRungs({ reduction: 3, minEpochs: 1, maxEpochs: 27, grace: 2 })).toEqual([3, 9]);
  });

  it("lets only the best ⌊n/η⌋ of the n trials at a rung go on", () => {
    // A fresh pruner per question: a pruner remembers the configurations it pruned.
    const p = () => createPruner(PrunerSpec.parse({ kind: "asha", reduction: 3 }), "max", 27);
    // 8 peers at rung epoch 3 with values 1..8; the trial makes n = 9, so the top 3 go on.
    const peers = Array.from({ length: 8 }, (_, i) => trial(`p${i}`, [[3, i + 1]]));
    const q = (value: number, epoch = 3) =>
      p().shouldPrune({ configKey: "me", seed: 0, epoch, value }, () => peers);
    expect(q(8.5)).toBe(false);
    expect(q(6)).toBe(false); // ties with the third best go on
    expect(q(5.9)).toBe(true);
    expect(q(0)).toBe(true);
    expect(q(0, 2)).toBe(false); // not a rung
  });

  it("prunes the worse fraction at each rung in an asynchronous sweep, and never the best trial", () => {
    for (const direction of ["max", "min"] as const) {
      const p = createPruner(PrunerSpec.parse({ kind: "asha", reduction: 3, minEpochs: 1 }), direction, 27);
      const rng = new Rng(5);
      const history: TrialHistory[] = [];
      const quality = Array.from({ length: 81 }, () => rng.float());
      const reached: number[] = [];
      quality.forEach((qv, i) => {
        const h = trial(`t${i}`, [], "running");
        history.push(h);
        let epoch = 1;
        for (; epoch <= 27; epoch++) {
          // A learning curve that rises with epochs; better trials are better at every epoch.
          const acc = qv * (1 - 0.5 / epoch);
          const value = direction === "max" ? acc : 1 - acc;
          h.curve!.push({ epoch, values: [value] });
          if (p.shouldPrune({ configKey: h.configKey, seed: 0, epoch, value }, () => history)) break;
        }
        h.state = epoch > 27 ? "completed" : "pruned";
        reached.push(Math.min(epoch, 27));
      });
      const atLeast = (e: number) => reached.filter((r) => r >= e).length;
      // Each rung keeps roughly 1/η of those that reached it (more early on, when rungs are sparse).
      expect(atLeast(3) / atLeast(1)).toBeLessThan(0.6);
      expect(atLeast(9) / atLeast(3)).toBeLessThan(0.7);
      expect(atLeast(27) / atLeast(9)).toBeLessThan(0.75);
      const best = quality.indexOf(Math.max(...quality));
      expect(reached[best]).toBe(27);
      // Survivors are the good ones: every trial that finished beats the median quality.
      const sorted = [...quality].sort((a, b) => a - b);
      quality.forEach((qv, i) => {
        if (reached[i] === 27 && i > 10) expect(qv).toBeGreaterThan(sorted[40]!);
      });
    }
  });
});

describe("median stopping", () => {
  // A fresh pruner per question: a pruner remembers the configurations it pruned.
  const fresh = () =>
    createPruner(PrunerSpec.parse({ kind: "median", warmupEpochs: 1, minTrials: 3 }), "max", 10);
  const p = {
    shouldPrune: (...a: Parameters<ReturnType<typeof fresh>["shouldPrune"]>) => fresh().shouldPrune(...a),
  };
  const done = [trial("a", [[2, 0.5]]), trial("b", [[2, 0.6]]), trial("c", [[2, 0.7]])];

  it("stops a trial strictly worse than the median of completed trials at that epoch", () => {
    expect(p.shouldPrune({ configKey: "x", seed: 0, epoch: 2, value: 0.59 }, () => done)).toBe(true);
    expect(p.shouldPrune({ configKey: "x", seed: 0, epoch: 2, value: 0.6 }, () => done)).toBe(false);
  });

  it("waits for the warm-up and for minTrials completed trials", () => {
    expect(p.shouldPrune({ configKey: "x", seed: 0, epoch: 1, value: 0 }, () => done)).toBe(false);
    expect(p.shouldPrune({ configKey: "x", seed: 0, epoch: 2, value: 0 }, () => done.slice(0, 2))).toBe(
      false,
    );
    const running = [...done.slice(0, 2), trial("r", [[2, 0.9]], "running")];
    expect(p.shouldPrune({ configKey: "x", seed: 0, epoch: 2, value: 0 }, () => running)).toBe(false);
  });

  it("is the other way round for a min objective", () => {
    const pm = () => createPruner(PrunerSpec.parse({ kind: "median" }), "min", 10);
    expect(pm().shouldPrune({ configKey: "x", seed: 0, epoch: 2, value: 0.65 }, () => done)).toBe(true);
    expect(pm().shouldPrune({ configKey: "x", seed: 0, epoch: 2, value: 0.55 }, () => done)).toBe(false);
  });

  it("none never prunes", () => {
    expect(
      createPruner({ kind: "none" }, "max", 10).shouldPrune(
        { configKey: "x", seed: 0, epoch: 5, value: -1 },
        () => done,
      ),
    ).toBe(false);
  });

  it("reads the history only at an epoch that can prune", () => {
    const unread = () => {
      throw new Error("history read");
    };
    const q = (epoch: number) => ({ configKey: "x", seed: 0, epoch, value: 0 });
    expect(createPruner({ kind: "none" }, "max", 10).shouldPrune(q(5), unread)).toBe(false);
    const asha = createPruner(PrunerSpec.parse({ kind: "asha", reduction: 3 }), "max", 27);
    expect(asha.shouldPrune(q(2), unread)).toBe(false); // between rungs 1 and 3
    expect(() => asha.shouldPrune(q(3), unread)).toThrow("history read");
    const median = createPruner(PrunerSpec.parse({ kind: "median", warmupEpochs: 2 }), "max", 10);
    expect(median.shouldPrune(q(2), unread)).toBe(false); // within the warm-up
  });
});

describe("pruning judges configurations", () => {
  const entry = (
    key: string,
    seed: number,
    curve: [number, number][],
    state: TrialHistory["state"] = "running",
    params: Record<string, string> = {},
  ): TrialHistory => ({
    configKey: key,
    params,
    seed,
    state,
    curve: curve.map(([epoch, v]) => ({ epoch, values: [v] })),
  });
  const asha = () => createPruner(PrunerSpec.parse({ kind: "asha", reduction: 2, minEpochs: 1 }), "max", 8);

  it("never compares a configuration's seeds with each other", () => {
    // One configuration, three seeds of different luck: nobody else at the rung, nobody pruned.
    const p = asha();
    const h = [entry("c", 0, [[1, 0.9]]), entry("c", 1, [[1, 0.5]]), entry("c", 2, [[1, 0.1]])];
    for (const seed of [0, 1, 2])
      expect(
        p.shouldPrune({ configKey: "c", seed, epoch: 1, value: h[seed]!.curve![0]!.values[0]! }, () => h),
      ).toBe(false);
  });

  it("ranks a configuration by its seeds' mean once its running seeds all reached the rung", () => {
    const p = asha();
    // "good" has mean 0.6 at epoch 1 (its lucky seed 0.9, unlucky 0.3); "bad" has 0.5 and 0.55.
    const h = [
      entry("good", 0, [[1, 0.9]], "completed"),
      entry("good", 1, [[1, 0.3]], "completed"),
      entry("bad", 0, [[1, 0.5]]),
      entry("bad", 1, []),
    ];
    // bad's first seed waits for its sibling (running, not yet at epoch 1): it goes on.
    expect(p.shouldPrune({ configKey: "bad", seed: 0, epoch: 1, value: 0.5 }, () => h)).toBe(false);
    h[3]!.curve!.push({ epoch: 1, values: [0.55] });
    // Now bad's mean 0.525 < good's 0.6: with n = 2 configurations only the best goes on.
    // (Per trial, bad's 0.55 would have beaten good's 0.3 seed.)
    expect(p.shouldPrune({ configKey: "bad", seed: 1, epoch: 1, value: 0.55 }, () => h)).toBe(true);
    // The verdict holds for the seed that went on: it stops at its next report, any epoch.
    expect(p.shouldPrune({ configKey: "bad", seed: 0, epoch: 2, value: 0.99 }, () => h)).toBe(true);
  });

  it("keeps a configuration whole: a kept rung is not judged again for a later seed", () => {
    const p = asha();
    const h = [entry("a", 0, [[1, 0.5]]), entry("b", 0, [[1, 0.6]]), entry("b", 1, [], "queued")];
    expect(p.shouldPrune({ configKey: "b", seed: 0, epoch: 1, value: 0.6 }, () => h)).toBe(false);
    h.push(entry("c", 0, [[1, 0.9]]), entry("d", 0, [[1, 0.95]]));
    // b's queued seed starts later and reaches epoch 1 when b would now rank 3rd of 4 (keep 2): still kept.
    h[2] = entry("b", 1, [[1, 0.6]]);
    expect(p.shouldPrune({ configKey: "b", seed: 1, epoch: 1, value: 0.6 }, () => h)).toBe(false);
  });

  it("never prunes a single-task baseline nor counts one as a peer", () => {
    const p = asha();
    const base = { architecture: "single-task", strategy: "equal" };
    const h = [
      entry("base", 0, [[1, 0.99]], "completed", base),
      entry("weak", 0, [[1, 0.1]]),
      entry("mt", 0, [[1, 0.5]]),
    ];
    // A baseline at the bottom of the rung goes on.
    const b = entry("base2", 0, [[1, 0.01]], "running", base);
    expect(p.shouldPrune({ configKey: "base2", seed: 0, epoch: 1, value: 0.01 }, () => [...h, b])).toBe(
      false,
    );
    // "mt" is compared with "weak" only (n = 2, keep 1): it is the best multi-task one and goes on,
    // although the baseline's 0.99 would have beaten it.
    expect(p.shouldPrune({ configKey: "mt", seed: 0, epoch: 1, value: 0.5 }, () => h)).toBe(false);
  });

  it("after a restart reads verdicts from the history: a pruned seed prunes its siblings", () => {
    const h = [entry("x", 0, [[1, 0.2]], "pruned"), entry("x", 1, [[1, 0.9]])];
    expect(asha().shouldPrune({ configKey: "x", seed: 1, epoch: 1, value: 0.9 }, () => h)).toBe(true);
  });

  it("median stopping compares a configuration's mean with completed configurations' means", () => {
    const p = createPruner(PrunerSpec.parse({ kind: "median", warmupEpochs: 1, minTrials: 2 }), "max", 10);
    const h = [
      entry("a", 0, [[2, 0.4]], "completed"),
      entry("a", 1, [[2, 0.8]], "completed"), // a: 0.6
      entry("b", 0, [[2, 0.7]], "completed"), // b: 0.7; median of configurations 0.65
      entry("x", 0, [[2, 0.5]]),
      entry("x", 1, [[2, 0.75]]), // x: 0.625 < 0.65
    ];
    // Per trial, x's seed 1 (0.75) would beat the median of completed trials (0.7).
    expect(p.shouldPrune({ configKey: "x", seed: 1, epoch: 2, value: 0.75 }, () => h)).toBe(true);
    expect(p.shouldPrune({ configKey: "x", seed: 0, epoch: 3, value: 0.9 }, () => h)).toBe(true);
  });

  it("a pruned ASHA sweep keeps every seed of the configurations it keeps", () => {
    for (const direction of ["max", "min"] as const) {
      const p = createPruner(PrunerSpec.parse({ kind: "asha", reduction: 3, minEpochs: 1 }), direction, 9);
      const rng = new Rng(11);
      const history: TrialHistory[] = [];
      // 27 configurations × 3 seeds, the seeds of a configuration training side by side.
      for (let c = 0; c < 27; c++) {
        const quality = rng.float();
        const seeds = [0, 1, 2].map((seed) => entry(`c${c}`, seed, []));
        history.push(...seeds);
        const noise = seeds.map(() => 0.2 * (rng.float() - 0.5));
        const alive = new Set([0, 1, 2]);
        for (let epoch = 1; epoch <= 9 && alive.size; epoch++)
          for (const s of [...alive]) {
            const acc = quality * (1 - 0.5 / epoch) + noise[s]!;
            const value = direction === "max" ? acc : 1 - acc;
            seeds[s]!.curve!.push({ epoch, values: [value] });
            if (p.shouldPrune({ configKey: `c${c}`, seed: s, epoch, value }, () => history)) {
              seeds[s]!.state = "pruned";
              alive.delete(s);
            }
          }
        for (const s of alive) seeds[s]!.state = "completed";
      }
      const byConfig = new Map<string, string[]>();
      for (const h of history) byConfig.set(h.configKey, [...(byConfig.get(h.configKey) ?? []), h.state]);
      const completed = [...byConfig.values()].filter((states) => states.includes("completed"));
      expect(completed.length).toBeGreaterThan(0);
      expect(completed.length).toBeLessThan(27);
      // A configuration finishes with all its seeds or none.
      for (const states of byConfig.values()) expect(new Set(states).size, states.join()).toBe(1);
    }
  });
});
