import type { SweepInfo } from "@mtl/bus";
import { describe, expect, it } from "vitest";
import { doneOf, estimateEta, progressBar } from "./progress.ts";

const counts = { queued: 4, running: 2, completed: 3, failed: 1, pruned: 0, cancelled: 0 };
const sweep: SweepInfo = {
  id: 1,
  name: "s",
  status: "running",
  total: 10,
  counts,
  createdAt: 0,
  finishedAt: null,
  startedAt: 0,
  meanTrialMs: 10_000,
};

describe("progress", () => {
  it("counts terminal trials as done", () => {
    expect(doneOf(counts)).toBe(4);
  });

  it("draws a bar of exactly the width asked, in eighths", () => {
    expect(progressBar(0, 8)).toBe("░░░░░░░░");
    expect(progressBar(1, 8)).toBe("████████");
    expect(progressBar(0.5, 8)).toBe("████░░░░");
    expect([...progressBar(1 / 16, 8)].length).toBe(8);
    expect(progressBar(1 / 16, 8).startsWith("▌")).toBe(true);
    expect(progressBar(Number.NaN, 4)).toBe("░░░░");
  });

  it("estimates the time left from the mean trial time shared by the running trials", () => {
    // 4 queued × 10 s + running ones: 10 − 4 = 6 s and 10 − 8 = 2 s left; over 2 at once.
    const eta = estimateEta(sweep, [{ startedAt: 96_000 }, { startedAt: 92_000 }], 100_000);
    expect(eta).toBe((4 * 10_000 + 6_000 + 2_000) / 2);
  });

  it("has no ETA before a trial completes or when the sweep is not running", () => {
    expect(estimateEta({ ...sweep, meanTrialMs: null }, [], 0)).toBeNull();
    expect(estimateEta({ ...sweep, status: "paused" }, [], 0)).toBeNull();
  });
});
