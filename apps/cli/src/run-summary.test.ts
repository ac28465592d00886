import type { TrialRow } from "@mtl/store";
import { describe, expect, it } from "vitest";
import { failureGroups, failureReport, rerunCommand } from "./run-summary.ts";

const row = (number: number, state: TrialRow["state"], error: string | null = null) =>
  ({ number, state, error }) as TrialRow;

describe("failure report", () => {
  it("groups failed trials by the first line of their error, most frequent first", () => {
    const trials = [
      row(1, "failed", "csv: cannot read data.csv\n  at …"),
      row(2, "completed"),
      row(3, "failed", "non-finite loss in task a at epoch 2"),
      row(4, "failed", "csv: cannot read data.csv"),
      row(5, "failed", null),
    ];
    expect(failureGroups(trials)).toEqual([
      { reason: "csv: cannot read data.csv", trials: [1, 4] },
      { reason: "failed (no reason recorded)", trials: [5] },
      { reason: "non-finite loss in task a at epoch 2", trials: [3] },
    ]);
    expect(failureReport(trials, "pnpm exec mtl run x.ts --db mtl.db")).toEqual([
      "4 trials failed:",
      "  2 × csv: cannot read data.csv (trial #1, #4)",
      "  1 × failed (no reason recorded) (trial #5)",
      "  1 × non-finite loss in task a at epoch 2 (trial #3)",
      "Fix the cause, then run them again: pnpm exec mtl run x.ts --db mtl.db --retry-failed",
    ]);
  });

  it("says nothing when nothing failed, and shortens long lists", () => {
    expect(failureReport([row(1, "completed")], "c")).toEqual([]);
    const many = Array.from({ length: 9 }, (_, i) => row(i, "failed", "boom"));
    expect(failureReport(many, "c")[1]).toBe("  9 × boom (trial #0, #1, #2, #3, #4, #5 and 3 more)");
  });
});

describe("rerunCommand", () => {
  it("repeats the file, the results file and the flags that shape the run, quoted, without secrets", () => {
    expect(rerunCommand("experiments/q.ts", { db: "mtl.db" })).toBe(
      "pnpm exec mtl run experiments/q.ts --db mtl.db",
    );
    expect(
      rerunCommand("my exp.ts", { db: "out/r.db", nats: "nats://u:pw@h:4222", workers: 2, maxTrials: 10 }),
    ).toBe(
      "pnpm exec mtl run 'my exp.ts' --db out/r.db --nats 'nats://u:***@h:4222' --workers 2 --max-trials 10",
    );
  });
});
