/**
 * The quickstart shows what multi-task learning is for: trained briefly here (the first two of
 * its configurations: equal weighting and the single-task baselines, all five seeds), sharing one
 * network must beat one network per task on the sweep objective's split.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mtl, ROOT, tempDir } from "./helpers/cli.ts";

const tmp = tempDir("mtl-quickstart-");
afterAll(() => tmp.cleanup());

describe("experiments/quickstart.ts", () => {
  it("trains, and a shared network beats the single-task baselines on its related tasks", async () => {
    const db = join(tmp.dir, "quickstart.db");
    const file = join(ROOT, "experiments", "quickstart.ts");
    const run = await mtl(["run", file, "--db", db, "--workers", "2", "--max-trials", "10"]);
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    const r = await mtl(["compare", "--db", db, "--format", "json"]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const cmp = JSON.parse(String(r.stdout)) as {
      split: string;
      rows: {
        label: string;
        seeds: number[];
        deltaM: { mean: number; ci: [number, number] | null } | null;
      }[];
    };
    expect(cmp.split).toBe("val");
    expect(cmp.rows.map((x) => [x.label, x.seeds.length])).toEqual([
      ["equal", 5],
      ["single-task", 5],
    ]);
    const equal = cmp.rows[0]!.deltaM!;
    // Better than single-task on every task together, beyond the seeds' noise.
    expect(equal.ci![0]).toBeGreaterThan(0);
  });
});
