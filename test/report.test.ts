/**
 * `mtl compare` and `mtl report` on a real sweep run by `mtl run`, and the report opened in
 * headless Chromium (Debian's `chromium`): its plots must be in the DOM and visible in pixels.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { decodePng, HEADLESS_CHROMIUM_FLAGS, inkStats } from "@mtl/analysis";
import { Store } from "@mtl/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mtl, tempDir, tinyExperiment, writeExperiment } from "./helpers/cli.ts";

const run = promisify(execFile);
const CHROMIUM = process.env.MTL_CHROMIUM ?? "/usr/bin/chromium";
const tmp = tempDir("mtl-report-");
afterAll(() => tmp.cleanup());

/** Chromium with the flags that keep it offline and away from any user profile. */
async function chromium(args: string[]): Promise<string> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) or set MTL_CHROMIUM`,
    );
  const { stdout } = await run(
    CHROMIUM,
    [...HEADLESS_CHROMIUM_FLAGS, `--user-data-dir=${join(tmp.dir, "chromium-profile")}`, ...args],
    { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

describe("mtl compare and mtl report on a finished sweep", () => {
  const db = join(tmp.dir, "results.db");
  const out = join(tmp.dir, "report");

  beforeAll(async () => {
    // fixed at three weight settings × 2 seeds, plus single-task baselines: 8 short trials.
    const spec = tinyExperiment("report", {
      strategies: ["fixed"],
      baselines: true,
      space: { weights: { kind: "simplex", tasks: ["task1", "task2"], resolution: 2 } },
    });
    const r = await mtl(["run", writeExperiment(tmp.dir, "report", spec), "--db", db, "--workers", "2"]);
    if (r.exitCode !== 0) throw new Error(`mtl run failed (${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  });

  it("compare prints the table with Δm% against single-task and its legend", async () => {
    const r = await mtl(["compare", "--db", db]);
    expect(r.stderr).toBe("");
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout).toMatch(/· val split \(the sweep objective's\)/);
    expect(r.stdout).toMatch(/rank\s+configuration\s+n\s+task1 accuracy ↑\s+95% CI\s+p\s+task2 accuracy ↑/);
    expect(r.stdout).toMatch(/Δm% ↑/);
    expect(r.stdout).toMatch(/^\s+—\s+single-task\s+2\s/m);
    expect(r.stdout).toMatch(/^\s+[123]\s+fixed λ=1\/1\s+2\s/m);
    expect(r.stdout).toContain("Positive = better than single-task");
    expect(r.stdout).toMatch(/Welch t-test .* against single-task/);
    expect(r.stdout).toMatch(/rank: by the sweep objective mean\.accuracy on the val split/);
  });

  it("compare --format json gives one row per configuration, each weight setting its own", async () => {
    const r = await mtl(["compare", "1", "--db", db, "--format", "json"]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const cmp = JSON.parse(String(r.stdout)) as {
      hasBaseline: boolean;
      split: string;
      rows: { label: string; seeds: number[]; deltaM: { mean: number } | null; weights?: number[] }[];
    };
    expect(cmp.hasBaseline).toBe(true);
    expect(cmp.split).toBe("val");
    expect(cmp.rows.map((r) => r.label).sort()).toEqual([
      "fixed λ=0/2",
      "fixed λ=1/1",
      "fixed λ=2/0",
      "single-task",
    ]);
    for (const row of cmp.rows) {
      expect(row.seeds).toEqual([0, 1]);
      expect(Number.isFinite(row.deltaM!.mean)).toBe(true);
    }
    expect(cmp.rows.find((r) => r.label === "single-task")!.deltaM!.mean).toBeCloseTo(0, 10);
  });

  it("compare rejects bad options with one line and exit 2", async () => {
    const by = await mtl(["compare", "--db", db, "--by", "weights"]);
    expect(by.exitCode, String(by.stderr)).toBe(2);
    expect(String(by.stderr)).toMatch(/^mtl: --by: expected config or strategy, got "weights"/);
    const r = await mtl(["compare", "--db", db, "--format", "xml"]);
    expect(r.exitCode, String(r.stderr)).toBe(2);
    expect(String(r.stderr).trim()).toBe('mtl: --format: expected one of table, md, csv, json, got "xml"');
    const s = await mtl(["compare", "7", "--db", db]);
    expect(s.exitCode).toBe(2);
    expect(String(s.stderr).trim()).toMatch(/^mtl: no sweep 7 in /);
  });

  it("report writes a self-contained page, SVG and PNG plots and summary.md", async () => {
    const r = await mtl(["report", "--db", db, "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.exitCode, String(r.stderr)).toBe(0);
    for (const f of [
      "report.html",
      "summary.md",
      "plots/pareto.svg",
      "plots/pareto.png",
      "plots/curves-task1.svg",
      "plots/weights-task1.png",
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).not.toMatch(/<script|<link|src=|href="http/);
    const md = readFileSync(join(out, "summary.md"), "utf8");
    expect(md).toContain("](plots/pareto.png)");
    expect(md).toContain("| rank | configuration |");
  });

  it("the page's plots are in Chromium's DOM", async () => {
    const dom = await chromium(["--dump-dom", `file://${join(out, "report.html")}`]);
    // Pareto, two learning-curve plots, two weight plots.
    expect((dom.match(/<svg /g) ?? []).length).toBe(5);
    expect((dom.match(/class="point/g) ?? []).length).toBe(4); // three weight settings + baseline
    expect((dom.match(/class="series"/g) ?? []).length).toBeGreaterThanOrEqual(2 * 2);
    expect(dom).toContain('<td class="text">single-task</td>');
  });

  it("the page and each plot PNG show ink, in colour", async () => {
    const shot = join(tmp.dir, "page.png");
    await chromium([
      `--screenshot=${shot}`,
      "--window-size=1280,2200",
      "--hide-scrollbars",
      `file://${join(out, "report.html")}`,
    ]);
    const page = inkStats(decodePng(readFileSync(shot)));
    expect(page.inked).toBeGreaterThan(0.03);
    expect(page.colors).toBeGreaterThan(10);
    for (const name of ["pareto", "curves-task1", "curves-task2", "weights-task1", "weights-task2"]) {
      const img = decodePng(readFileSync(join(out, "plots", `${name}.png`)));
      const ink = inkStats(img);
      expect(img.width, name).toBeGreaterThan(400);
      expect(ink.inked, name).toBeGreaterThan(0.03);
      expect(ink.colors, name).toBeGreaterThan(6);
    }
  });
});

describe("mtl compare without baselines", () => {
  it("omits Δm% and says how to get it; --with-baselines runs them into the same sweep", async () => {
    const db = join(tmp.dir, "nobase.db");
    const file = writeExperiment(
      tmp.dir,
      "nobase",
      tinyExperiment("nobase", { strategies: ["equal"], training: { epochs: 1 } }),
    );
    const ran = await mtl(["run", file, "--db", db, "--workers", "2"]);
    expect(ran.exitCode, String(ran.stderr)).toBe(0);
    const plain = await mtl(["compare", "--db", db]);
    expect(plain.exitCode, String(plain.stderr)).toBe(0);
    expect(plain.stdout).not.toContain("Δm% ↑");
    expect(plain.stdout).toContain("no Δm% column");
    expect(plain.stdout).toContain("--with-baselines");

    const r = await mtl(["compare", "--db", db, "--with-baselines"]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout).toContain("running the single-task baselines of sweep 1");
    expect(r.stdout).toContain("Δm% ↑");
    const store = new Store(db, { readonly: true });
    try {
      // The baselines joined the same sweep, one per seed; the equal trials did not run again.
      expect(store.listSweeps()).toHaveLength(1);
      const trials = store.trialsOf(1);
      expect(trials.filter((t) => t.method === "single-task" && t.state === "completed")).toHaveLength(2);
      for (const t of trials.filter((x) => x.method === "equal"))
        expect(store.attemptsOf(t.id)).toHaveLength(1);
    } finally {
      store.close();
    }
  });
});
