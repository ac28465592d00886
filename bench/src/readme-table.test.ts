import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { END, readAllResults, readmeRows, renderTable, START, tableIn, withTable } from "./_readme-table.ts";
import { type Part, type RunInfo, readResults, saveResults, startRun, toJson } from "./_results.ts";

const README = fileURLToPath(new URL("../../README.md", import.meta.url));

const run = (over: Partial<RunInfo> = {}): RunInfo => ({
  measuredAt: "2026-12-05T10:00:00.000Z",
  cores: 2,
  loadStart: 1.5,
  loadEnd: 2.25,
  args: [],
  ...over,
});

const program = (bestMs: number, over: Partial<RunInfo> = {}): Part => ({
  run: run(over),
  rounds: 5,
  byHand: { bestMs: 1000 },
  mtl: { bestMs },
  overheadMs: bestMs - 1000,
});

describe("the README's performance table", () => {
  it("is what the committed bench/results/*.json render (run `pnpm bench readme` after a bench)", () => {
    const readme = readFileSync(README, "utf8");
    expect(tableIn(readme), `README.md needs ${START} … ${END}`).toBeDefined();
    expect(tableIn(readme)).toBe(renderTable(readmeRows(readAllResults()).rows));
  });
});

describe("readmeRows", () => {
  it("renders no row for a bench without results, and names it", () => {
    const { rows, missing } = readmeRows({ program: { program: program(900) } });
    expect(rows).toEqual([
      {
        benchmark: "a program trial, launch to first report (`pnpm bench program`, torch-mtl)",
        figure: "0.90 s through MTL Lab vs 1.00 s by hand (best of 5, alternating): no overhead seen",
      },
    ]);
    expect(missing).toContain("train");
    expect(missing).toContain("scale");
    expect(missing).not.toContain("program");
  });

  it("renders no row for a missing part, and names it", () => {
    const dash = {
      run: run(),
      trials: 10_000,
      rounds: 3,
      ms: 900,
      ratio: 6,
      targetMet: true,
    };
    const { rows, missing } = readmeRows({ cli: { dash } });
    expect(rows.map((r) => r.figure)).toEqual([
      "900 ms = 6.0× `node -e 0` (target ≤ 1 s: met; see docs/scaling.md) (measured 2026-12-05, load 1.5–2.3)",
    ]);
    expect(missing).toContain("cli: startup");
  });

  it("says where figures were transcribed with the README's words for the machine", () => {
    const scaling = {
      run: run({ measuredAt: "2026-12-02", loadStart: null, loadEnd: null, machine: "quiet machine" }),
      rounds: 5,
      trials: 16,
      trialSeconds: 0.7,
      bareSpeedup: 1.9,
      natsSpeedup: 1.8,
      keptShare: 0.96,
      systemShare: 0.04,
      keptTargetMet: true,
      systemTargetMet: true,
    };
    const [row] = readmeRows({ orchestration: { scaling } }).rows;
    expect(row?.figure).toBe(
      "×1.80 vs 2 bare trainers ×1.90 = 96% of their speed-up (target ≥ 95%: met); coordinator, worker " +
        "main threads and nats-server 4.0% of the CPU (target ≤ 5%: met) (measured 2026-12-02, quiet machine)",
    );
  });

  it("gives a range where transcribed results hold one", () => {
    const noop = {
      run: run(),
      embedded: { loaded: { perSecond: 500.4 } },
      nats: { loaded: { perSecond: [276, 381] }, unloaded: { p50: [8, 12] } },
      natsTargetMet: false,
    };
    expect(readmeRows({ orchestration: { noop } }).rows[0]?.figure).toBe(
      "NATS 276–381 trials/s (p50 8–12 ms unloaded), embedded 500 trials/s; target ≥ 300 trials/s over NATS: missed",
    );
  });
});

describe("saveResults", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("merges a partial run into the bench's results: the parts it did not run are kept", () => {
    dir = mkdtempSync(join(tmpdir(), "mtl-bench-results-"));
    saveResults("orchestration", { noop: { a: 1 }, scaling: { b: 2 } }, startRun(["--repeats", "3"]), dir);
    const first = readResults("orchestration", dir);
    saveResults("orchestration", { scaling: { b: 3 } }, startRun(["--only-scaling"]), dir);
    const second = readResults("orchestration", dir);
    expect(second?.noop).toEqual(first?.noop);
    expect(second?.noop?.run.args).toEqual(["--repeats", "3"]);
    expect(second?.scaling).toMatchObject({ b: 3, run: { args: ["--only-scaling"] } });
    const r = second?.scaling?.run as RunInfo;
    expect(Number.isNaN(Date.parse(r.measuredAt))).toBe(false);
    expect(r.cores).toBeGreaterThan(0);
    expect(typeof r.loadStart).toBe("number");
    expect(typeof r.loadEnd).toBe("number");
  });

  it("writes JSON as the project's formatter does: short plain arrays inline, objects expanded", () => {
    expect(toJson({ a: { args: ["--rounds", "3"], empty: [], o: {}, skip: undefined }, n: null })).toBe(
      '{\n  "a": {\n    "args": ["--rounds", "3"],\n    "empty": [],\n    "o": {}\n  },\n  "n": null\n}\n',
    );
    const long = Array.from({ length: 30 }, (_, i) => `argument-${i}`);
    expect(toJson({ long }).split("\n")).toHaveLength(long.length + 5);
  });
});

describe("renderTable", () => {
  it("pads every cell and the separator to its column's width", () => {
    expect(
      renderTable([
        { benchmark: "a", figure: "1.5× → 2" },
        { benchmark: "longer name", figure: "x" },
      ]),
    ).toBe(
      [
        "| benchmark   | figure   |",
        "| ----------- | -------- |",
        "| a           | 1.5× → 2 |",
        "| longer name | x        |",
      ].join("\n"),
    );
  });

  it("is the header alone without rows", () => {
    expect(renderTable([])).toBe("| benchmark | figure |\n| --------- | ------ |");
  });

  it("goes between the README's markers, and only there", () => {
    const readme = `# x\n\ntext\n\n${START}\n\nold\n\n${END}\n\nafter\n`;
    const table = renderTable([{ benchmark: "b", figure: "f" }]);
    const updated = withTable(readme, table);
    expect(tableIn(updated)).toBe(table);
    expect(updated.startsWith("# x\n\ntext\n\n")).toBe(true);
    expect(updated.endsWith(`${END}\n\nafter\n`)).toBe(true);
    expect(() => withTable("no markers", table)).toThrow(/markers/);
  });
});
