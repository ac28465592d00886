/** @jsxRuntime automatic @jsxImportSource react */

import { analyze } from "@mtl/coordinator";
import { buildFixture } from "@mtl/coordinator/testing";
import type { TrialRow } from "@mtl/store";
import { cleanup, render } from "ink-testing-library";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CompareView } from "./CompareView.tsx";

let f: ReturnType<typeof buildFixture>;
beforeEach(() => {
  f = buildFixture();
});
afterEach(() => {
  cleanup();
  f.cleanup();
});

const tableOf = (rows: TrialRow[]) => analyze(f.store.getSweep(f.sweepId)!, rows).table;
const view = (table: ReturnType<typeof tableOf>, pending = false) =>
  render(<CompareView table={table} pending={pending} cursor={0} width={100} height={12} />).lastFrame() ??
  "";

describe("CompareView", () => {
  it("shows the analysis package's comparison: ranks, mean ± std, Δm% and the split", () => {
    const table = tableOf(f.store.trialsOf(f.sweepId));
    expect(table?.error).toBeNull();
    const text = view(table);
    expect(text).toMatch(/rank\s+configuration\s+n\s+task1 accuracy\s+task2 mse\s+Δm%\s+pareto/);
    // The objective's split (val), ranked by task1 accuracy. Baseline 0.8 / 0.2 on both seeds.
    // equal, seeds (0.88, 0.18) and (0.84, 0.22): Δm% per seed +10 and −2.5, mean +3.75.
    // fixed λ=0.5/1.5, one seed (0.72, 0.1): (−10 + 50) / 2 = +20.
    // Labels name what varies among the sweep's configurations (the pruned one has lr 0.01).
    expect(text).toMatch(/1 equal lr=0\.001\s+2\s+0\.86 ± 0\.028\s+0\.2 ± 0\.028\s+\+3\.8% ★/);
    expect(text).toMatch(/2 fixed λ=0\.5\/1\.5 lr=0\.001\s+1\s+0\.72\s+0\.1\s+\+20\.0% ★/);
    expect(text).toMatch(/– single-task lr=0\.001\s+2\s+0\.8 ± 0\s+0\.2 ± 0\s+0\s*$/m);
    expect(text).toMatch(/split: val · ranked by task1\.accuracy · 4 trials left out · mtl compare/);
    expect(text).toMatch(/One seed only for fixed/);
  });

  it("says when it is computing, and shows the last table meanwhile", () => {
    expect(view(null, true)).toMatch(/computing the comparison…/);
    expect(view(tableOf(f.store.trialsOf(f.sweepId)), true)).toMatch(/updating…/);
  });

  it("shows compare's error as a note instead of a table", () => {
    // Final results without the tasks' metrics: compare cannot build its columns.
    const rows = f.store.trialsOf(f.sweepId).map((t) => ({
      ...t,
      final: t.final && { task1: { val: { loss: 1 } }, task2: { val: { loss: 1 } } },
    }));
    const table = tableOf(rows);
    expect(table).toMatchObject({ rows: [], error: expect.stringMatching(/^mtl compare: no task reports/) });
    const text = view(table);
    expect(text).toMatch(/mtl compare: no task reports its metric on the val split; metrics there: loss/);
    expect(text).not.toMatch(/rank\s+strategy/);
  });

  it("says so before any trial completes", () => {
    expect(tableOf([])).toBeNull();
    expect(view(null)).toMatch(/no completed trials to compare yet/);
  });
});
