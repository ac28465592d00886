/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * `mtl report` pages opened in a real headless Chromium (Debian's, driven by playwright-core):
 * they load with no request off the machine and no console error, at 1400 and 800 px wide nothing
 * scrolls sideways, no text of a plot covers another (the browser's own text boxes), and the
 * trials table sorts. Also `mtl report A B`, and `mtl compare` fitted to 80 and 120 columns.
 */
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { HEADLESS_CHROMIUM_FLAGS } from "@mtl/analysis";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mtl, tempDir, tinyExperiment, writeExperiment } from "./helpers/cli.ts";

const CHROMIUM = process.env.MTL_CHROMIUM ?? "/usr/bin/chromium";
/** Where the screenshots go when someone wants to look at them (they are always taken). */
const LOOK = process.env.MTL_LOOK_DIR;
const tmp = tempDir("mtl-report-browser-");
const db = join(tmp.dir, "results.db");
let browser: BrowserContext;

const THREE_TASKS = {
  dataset: {
    name: "classification",
    options: { n_samples: 400, n_features: 20, n_informative: 5, n_tasks: 3 },
  },
  tasks: [
    { name: "task1", kind: "classification", metric: "accuracy" },
    { name: "task2", kind: "classification", metric: "accuracy" },
    { name: "task3", kind: "classification", metric: "accuracy" },
  ],
};

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} not found: install Debian's chromium (scripts/install-system-deps.sh) or set MTL_CHROMIUM`,
    );
  // Sweep 1: six strategies on three tasks with baselines (small multiples, three Pareto pairs).
  const grid = tinyExperiment("browser-grid", {
    ...THREE_TASKS,
    strategies: ["equal", "uncertainty", "dwa", "pcgrad", "mgda", { name: "mgda", options: { ub: true } }],
    baselines: true,
  });
  // Sweep 2: a random search over the learning rate and the batch size (history, importance, parallel coordinates).
  const search = tinyExperiment("browser-search", {
    ...THREE_TASKS,
    strategies: ["equal", "pcgrad"],
    seeds: [0],
    space: {
      learningRate: { kind: "loguniform", low: 0.001, high: 0.3 },
      batchSize: { kind: "choice", values: [16, 32, 64] },
    },
    sweep: { sampler: "random", maxTrials: 10 },
  });
  for (const [name, spec] of [
    ["grid", grid],
    ["search", search],
  ] as const) {
    const r = await mtl(["run", writeExperiment(tmp.dir, name, spec), "--db", db, "--workers", "2"]);
    if (r.exitCode !== 0)
      throw new Error(`mtl run ${name} failed (${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  }
  const flags = HEADLESS_CHROMIUM_FLAGS.filter((f) => f !== "--headless");
  browser = await chromium.launchPersistentContext(mkdtempSync(join(tmp.dir, "profile-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: flags,
  });
});

afterAll(async () => {
  await browser?.close();
  tmp.cleanup();
});

/** Opens a page and checks it as a reader would see it, at both widths. */
async function look(html: string, name: string) {
  const page = await browser.newPage();
  const errors: string[] = [];
  const offline: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
    offline.push(url);
    return route.abort();
  });
  const seen: { width: number; overlaps: string[]; scrolls: string[]; svgs: number }[] = [];
  for (const width of [1400, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`file://${html}`, { waitUntil: "load" });
    const state = await page.evaluate(() => {
      const scrolls = [document.documentElement, ...document.querySelectorAll("body *")]
        .filter(
          (e) =>
            e.scrollWidth > e.clientWidth + 1 &&
            (e === document.documentElement || getComputedStyle(e).overflowX !== "visible"),
        )
        .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${e.scrollWidth}>${e.clientWidth}`);
      if (document.documentElement.scrollWidth > window.innerWidth)
        scrolls.push(`page ${document.documentElement.scrollWidth}>${window.innerWidth}`);
      const overlaps: string[] = [];
      const svgs = [...document.querySelectorAll("svg")];
      for (const svg of svgs) {
        const boxes = [...svg.querySelectorAll("text")]
          .map((t) => ({ text: t.textContent ?? "", r: t.getBoundingClientRect() }))
          .filter((b) => b.r.width > 0 && b.r.height > 0);
        for (let i = 0; i < boxes.length; i++)
          for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i]!.r;
            const b = boxes[j]!.r;
            // One pixel of slack for anti-aliased edges.
            if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
              overlaps.push(`${svg.getAttribute("aria-label")}: "${boxes[i]!.text}" × "${boxes[j]!.text}"`);
          }
      }
      return { scrolls, overlaps, svgs: svgs.length };
    });
    seen.push({ width, ...state });
    const shot = join(LOOK ?? tmp.dir, `${name}-${width}.png`);
    if (LOOK) mkdirSync(LOOK, { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    expect(existsSync(shot)).toBe(true);
  }
  return { page, errors, offline, seen };
}

describe("mtl report in headless Chromium", () => {
  it("a sweep's report: offline, no console errors, no sideways scroll at 1400 and 800 px, no text over text, a sortable trials table", async () => {
    const out = join(tmp.dir, "grid");
    const r = await mtl(["report", "1", "--db", db, "--out", out, "--no-png"]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const { page, errors, offline, seen } = await look(join(out, "report.html"), "report-grid");
    expect(offline).toEqual([]);
    expect(errors).toEqual([]);
    for (const s of seen) {
      expect(s.scrolls, `${s.width} px`).toEqual([]);
      expect(s.overlaps, `${s.width} px`).toEqual([]);
      // Three Pareto pairs, three curve figures, the history by trial and over time, parallel coordinates.
      expect(s.svgs, `${s.width} px`).toBeGreaterThanOrEqual(8);
    }
    // Six strategies: the curves are small multiples, one panel per configuration.
    expect(await page.locator("#plot-curves-task1 g.panel").count()).toBe(6);
    // Sort the trials by objective (click), then the other way (click again).
    const objectiveOf = async () =>
      page.$$eval("table.trials tbody tr", (rows) =>
        rows
          .map((r) => r.children[7]!.getAttribute("data-v"))
          .filter((v) => v !== null)
          .map(Number),
      );
    const header = page.locator("table.trials th button", { hasText: "objective" });
    await header.click();
    const up = await objectiveOf();
    expect(up.length).toBeGreaterThan(4);
    expect(up).toEqual([...up].sort((a, b) => a - b));
    await header.click();
    const down = await objectiveOf();
    expect(down).toEqual([...up].sort((a, b) => b - a));
    await page.close();
  });

  it("a random search's report: history, importance and parallel coordinates, also clean", async () => {
    const out = join(tmp.dir, "search");
    const r = await mtl(["report", "2", "--db", db, "--out", out, "--no-png"]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const { page, errors, offline, seen } = await look(join(out, "report.html"), "report-search");
    expect(offline).toEqual([]);
    expect(errors).toEqual([]);
    for (const s of seen) {
      expect(s.scrolls, `${s.width} px`).toEqual([]);
      expect(s.overlaps, `${s.width} px`).toEqual([]);
    }
    for (const id of ["plot-history", "plot-history-time", "plot-importance", "plot-parallel", "plot-slices"])
      expect(await page.locator(`#${id} svg`).count(), id).toBe(1);
    await page.close();
  });

  it("mtl report A B: two sweeps on one page, also clean", async () => {
    const out = join(tmp.dir, "both");
    const r = await mtl(["report", "1", "2", "--db", db, "--out", out, "--no-png"]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const { page, errors, offline, seen } = await look(join(out, "report.html"), "report-a-vs-b");
    expect(offline).toEqual([]);
    expect(errors).toEqual([]);
    for (const s of seen) {
      expect(s.scrolls, `${s.width} px`).toEqual([]);
      expect(s.overlaps, `${s.width} px`).toEqual([]);
    }
    expect(await page.locator("h1").textContent()).toMatch(
      /Sweep 1 \(browser-grid\) vs sweep 2 \(browser-search\)/,
    );
    expect(await page.locator("#plot-history-both path.series").count()).toBe(2);
    await page.close();
    const three = await mtl(["report", "1", "2", "1", "--db", db, "--out", out]);
    expect(three.exitCode).toBe(2);
    expect(String(three.stderr)).toMatch(/at most two sweeps/);
  });
});

describe("mtl compare fits the terminal", () => {
  for (const columns of [80, 120])
    it(`every line within ${columns} columns, every configuration on every block`, async () => {
      const r = await mtl(["compare", "1", "--db", db], { env: { COLUMNS: String(columns) } });
      expect(r.exitCode, String(r.stderr)).toBe(0);
      const lines = String(r.stdout).split("\n");
      for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(columns);
      const blocks = String(r.stdout)
        .split("\n\n")
        .filter((b) => b.startsWith("rank"));
      expect(blocks.length).toBeGreaterThan(1);
      // Six strategies and the baseline in each block.
      for (const b of blocks) expect(b.split("\n")).toHaveLength(2 + 7);
      if (columns < 100) expect(String(r.stdout)).toMatch(/Compact layout/);
      else expect(String(r.stdout)).toMatch(/task1 accuracy ↑\s+95% CI\s+p/);
    });
});
