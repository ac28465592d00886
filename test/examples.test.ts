/**
 * The README's program examples (issue 18) train in CI: `mtl check` runs each distinct method of
 * both once, briefly, and a short real sweep of each stores every epoch and compares against its
 * baselines. They need Debian's python3 with python3-sklearn and python3-torch.
 */
import { join } from "node:path";
import { Store } from "@mtl/store";
import { afterAll, describe, expect, it } from "vitest";
import { mtl, tempDir } from "./helpers/cli.ts";

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

const tmp = tempDir("mtl-examples-");
afterAll(() => tmp.cleanup());
const SKLEARN = "examples/seed-sklearn/experiment.ts";
const TORCH = "examples/torch-mtl/experiment.ts";

describe("the program examples", () => {
  it("mtl check runs each distinct method of both, briefly", async () => {
    const r = await mtl(["check", SKLEARN, TORCH]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    // logistic, mlp; fixed and the single-task baseline.
    expect(r.stdout.match(/^\s+ok\s/gm)?.length).toBe(4);
    expect(r.stdout).not.toMatch(/FAIL/);
  });

  it("seed-sklearn: a short random sweep completes, every epoch stored", async () => {
    const db = join(tmp.dir, "sklearn.db");
    const r = await mtl(["run", SKLEARN, "--db", db, "--max-trials", "10", "--workers", "2"]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const store = new Store(db, { readonly: true });
    try {
      const trials = store.trialsOf(1);
      expect(trials.map((t) => t.state)).toEqual(Array(10).fill("completed"));
      for (const t of trials) {
        // The MLP reports each of its 15 epochs; logistic regression is one fit, reported once.
        const method = t.config.strategy.name;
        expect(["logistic", "mlp"]).toContain(method);
        const epochs = [...new Set(store.metricsOf(t.id).map((m) => m.epoch))].sort((a, b) => a - b);
        expect(epochs, `trial ${t.number} (${method})`).toEqual(method === "mlp" ? range(15) : [1]);
        expect(store.attemptsOf(t.id).map((a) => a.state)).toEqual(["completed"]);
      }
    } finally {
      store.close();
    }
  });

  it("torch-mtl: task weights against single-task runs, Δm% from mtl compare", async () => {
    const db = join(tmp.dir, "torch.db");
    const r = await mtl(["run", TORCH, "--db", db, "--workers", "2"]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const c = await mtl(["compare", "1", "--db", db, "--format", "json"]);
    expect(c.exitCode, c.stderr).toBe(0);
    const rows = JSON.parse(c.stdout).rows as { isBaseline: boolean; deltaM: { mean: number } | null }[];
    expect(rows.filter((row) => row.isBaseline)).toHaveLength(1);
    const weighted = rows.filter((row) => !row.isBaseline);
    // The simplex at resolution 2 has 6 weight settings.
    expect(weighted).toHaveLength(6);
    for (const row of weighted) expect(Number.isFinite(row.deltaM?.mean)).toBe(true);
  });
});
