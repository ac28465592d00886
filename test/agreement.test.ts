/**
 * One sweep, every view: the end-of-run leaderboard (`mtl run`), `mtl compare --format json`,
 * `mtl report`'s summary.md and the dashboard's Trials and Compare panels (through the same
 * source `mtl dash` reads) must give each configuration the same Δm%, the same rank and the same
 * split. `mtl trials --json` carries each trial's task weights per epoch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fmtSigned } from "@mtl/analysis";
import { MAX_PAGE, type Snapshot } from "@mtl/bus";
import { SqliteSource } from "@mtl/dashboard";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mtl, tempDir, tinyExperiment, writeExperiment } from "./helpers/cli.ts";

const tmp = tempDir("mtl-agree-");
afterAll(() => tmp.cleanup());

interface JsonRow {
  key: string;
  label: string;
  rank: number | null;
  isBaseline: boolean;
  trialIds: number[];
  deltaM: { mean: number } | null;
}

/** Rows of an aligned text table (columns two or more spaces apart) after its header and rule. */
function textTable(text: string, headerPattern: RegExp): string[][] {
  const lines = text.split("\n");
  const at = lines.findIndex((l) => headerPattern.test(l));
  if (at < 0) throw new Error(`no table matching ${headerPattern} in:\n${text}`);
  const rows: string[][] = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.trim() || line.startsWith("…")) break;
    rows.push(line.trim().split(/\s{2,}/));
  }
  return rows;
}

describe("one sweep, the same numbers in every view", () => {
  const db = join(tmp.dir, "agree.db");
  let leaderboardText = "";
  let cmp: { split: string; hasBaseline: boolean; rows: JsonRow[] };

  beforeAll(async () => {
    // Two strategies and two learning rates, "fixed" at three weight settings ("equal" reads no
    // weights, so it is planned once per learning rate), two seeds, with baselines: 8
    // configurations and a baseline per learning rate, so pairing by parameters matters.
    const spec = tinyExperiment("agree", {
      strategies: ["equal", "fixed"],
      baselines: true,
      space: {
        weights: { kind: "simplex", tasks: ["task1", "task2"], resolution: 2 },
        learningRate: { kind: "choice", values: [0.01, 0.03] },
      },
    });
    const run = await mtl(["run", writeExperiment(tmp.dir, "agree", spec), "--db", db, "--workers", "2"]);
    if (run.exitCode !== 0)
      throw new Error(`mtl run failed (${run.exitCode}):\n${run.stdout}\n${run.stderr}`);
    leaderboardText = String(run.stdout);
    const json = await mtl(["compare", "--db", db, "--format", "json"]);
    if (json.exitCode !== 0) throw new Error(`mtl compare failed:\n${json.stderr}`);
    cmp = JSON.parse(String(json.stdout));
  });

  it("compare ranks every configuration and pairs it with its own learning rate's baseline", () => {
    expect(cmp.split).toBe("val");
    expect(cmp.hasBaseline).toBe(true);
    const ranked = cmp.rows.filter((r) => r.rank !== null);
    expect(ranked.map((r) => r.rank)).toEqual(Array.from({ length: 8 }, (_, i) => i + 1));
    expect(ranked.filter((r) => r.label.startsWith("equal"))).toHaveLength(2);
    expect(
      cmp.rows
        .filter((r) => r.isBaseline)
        .map((r) => r.label)
        .sort(),
    ).toEqual(["single-task lr=0.01", "single-task lr=0.03"]);
    for (const r of ranked) expect(Number.isFinite(r.deltaM?.mean), r.label).toBe(true);
  });

  it("the leaderboard of mtl run gives the same ranks, labels and Δm% on the same split", () => {
    expect(leaderboardText).toMatch(/#\s+configuration\s+seeds\s+mean\.accuracy \(val\)\s+Δm%/);
    const rows = textTable(leaderboardText, /#\s+configuration\s+seeds/);
    const expected = cmp.rows.map((r) => [
      r.rank === null ? "–" : String(r.rank),
      r.label,
      r.deltaM ? fmtSigned(r.deltaM.mean) : "–",
    ]);
    expect(rows.map((r) => [r[0], r[1], r.at(-1)])).toEqual(expected);
  });

  it("the report's summary gives the same ranks, labels and Δm% on the same split", async () => {
    const out = join(tmp.dir, "report");
    const r = await mtl(["report", "--db", db, "--out", out, "--no-png"]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const md = readFileSync(join(out, "summary.md"), "utf8");
    expect(md).toContain("- Split: val.");
    const lines = md.split("\n").filter((l) => l.startsWith("| "));
    const header = lines[0]!.split(" | ");
    const dmAt = header.findIndex((h) => h.startsWith("Δm%"));
    const rows = lines.slice(2).map((l) => l.slice(2, -2).split(" | "));
    expect(rows.map((c) => [c[0], c[1], c[dmAt]!.split(" ± ")[0]])).toEqual(
      cmp.rows.map((row) => [
        row.rank === null ? "—" : String(row.rank),
        row.label,
        row.deltaM ? fmtSigned(row.deltaM.mean) : "—",
      ]),
    );
  });

  it("the dashboard's Compare and Trials panels give the same Δm% and ranks on the same split", async () => {
    const source = new SqliteSource({ path: db });
    try {
      const request = { trials: { limit: MAX_PAGE } };
      let snap: Snapshot = await source.snapshot(request);
      // The first snapshot answers before the comparison; a later one carries it.
      for (let i = 0; snap.analysisPending && i < 100; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        snap = await source.snapshot(request);
      }
      expect(snap.analysisPending).toBe(false);
      expect(snap.split).toBe("val");
      const table = snap.comparison!;
      expect(table.split).toBe("val");
      expect(table.rows.map((r) => [r.label, r.rank, r.deltaM])).toEqual(
        cmp.rows.map((r) => [r.label, r.rank, r.deltaM?.mean ?? null]),
      );
      const trials = new Map(snap.trials.items.map((t) => [t.id, t]));
      expect(trials.size).toBe(snap.trialCount);
      for (const row of cmp.rows)
        for (const id of row.trialIds) {
          const t = trials.get(id)!;
          expect([row.label, t.deltaM, t.rank]).toEqual([row.label, row.deltaM?.mean ?? null, row.rank]);
        }
    } finally {
      await source.close();
    }
  });

  it("mtl trials --json has each trial's task weights per epoch and the final ones", async () => {
    const r = await mtl(["trials", "--db", db, "--json"]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const trials = JSON.parse(String(r.stdout)) as {
      method: string;
      config: { weights?: Record<string, number>; training: { epochs: number } };
      weights: {
        final: Record<string, number> | null;
        epochs: { epoch: number; weights: Record<string, number> }[];
      };
    }[];
    const fixed = trials.filter((t) => t.method === "fixed");
    expect(fixed.length).toBeGreaterThan(0);
    for (const t of fixed) {
      // fixed trains with the λ it was given, every epoch.
      expect(t.weights.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
      for (const e of t.weights.epochs) expect(e.weights).toEqual(t.config.weights);
      expect(t.weights.final).toEqual(t.config.weights);
    }
  });
});
