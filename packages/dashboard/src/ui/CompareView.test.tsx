/** @jsxRuntime automatic @jsxImportSource react */

import { tableOf } from "@mtl/coordinator";
import { buildFixture } from "@mtl/coordinator/testing";
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

const view = (table: ReturnType<typeof tableOf>) =>
  render(<CompareView table={table} cursor={0} width={100} height={12} />).lastFrame() ?? "";

describe("CompareView", () => {
  it("shows the analysis package's comparison: ranks, mean ± std, Δm% and the split", () => {
    const table = tableOf(f.store.trialsOf(f.sweepId));
    expect(table?.error).toBeNull();
    const text = view(table);
    expect(text).toMatch(/rank\s+strategy\s+n\s+task1 accuracy\s+task2 mse\s+Δm%\s+pareto/);
    // Test split, baseline 0.79 / 0.21. equal, seeds (0.87, 0.19) and (0.83, 0.23): Δm% per seed
    // +9.8 and −2.2, mean +3.8. fixed λ(0.5,1.5), one seed (0.71, 0.11): (−10.1 + 47.6) / 2 = +18.7.
    expect(text).toMatch(/1 fixed\s+1\s+0\.71\s+0\.11\s+\+18\.7% ★/);
    expect(text).toMatch(/2 equal\s+2\s+0\.85 ± 0\.028\s+0\.21 ± 0\.028\s+\+3\.8% ★/);
    expect(text).toMatch(/3 single-task\s+2\s+0\.79 ± 0\s+0\.21 ± 0\s+0\s*$/m);
    expect(text).toMatch(/split: test · mtl compare/);
    expect(text).toMatch(/One seed only for fixed/);
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
