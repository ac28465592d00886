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
    const p = createPruner(PrunerSpec.parse({ kind: "asha", reduction: 3 }), "max", 27);
    // 8 peers at rung epoch 3 with values 1..8; the trial makes n = 9, so the top 3 go on.
    const peers = Array.from({ length: 8 }, (_, i) => trial(`p${i}`, [[3, i + 1]]));
    const q = (value: number, epoch = 3) =>
      p.shouldPrune({ configKey: "me", seed: 0, epoch, value }, () => peers);
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
  const p = createPruner(PrunerSpec.parse({ kind: "median", warmupEpochs: 1, minTrials: 3 }), "max", 10);
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
    const pm = createPruner(PrunerSpec.parse({ kind: "median" }), "min", 10);
    expect(pm.shouldPrune({ configKey: "x", seed: 0, epoch: 2, value: 0.65 }, () => done)).toBe(true);
    expect(pm.shouldPrune({ configKey: "x", seed: 0, epoch: 2, value: 0.55 }, () => done)).toBe(false);
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
