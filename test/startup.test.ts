/**
 * Commands that do not train never load TensorFlow.js: each runs as the real CLI under a loader
 * hook that makes importing any `@tensorflow/*` module throw. The control, `mtl check` on a valid
 * file, reaches training and must be stopped by the same hook, so the others could fail.
 * `mtl --help` loads no command's module and none of the libraries they need, under the same
 * hook with a wider pattern; `mtl trials` under that pattern is its control.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mtl, ROOT, tempDir, tinyExperiment, writeExperiment } from "./helpers/cli.ts";

const DENY = join(ROOT, "test", "fixtures", "deny-modules.mjs");
const tmp = tempDir("mtl-startup-");
afterAll(() => tmp.cleanup());

/** The CLI with TensorFlow.js (or what `deny` matches) made unloadable. */
const withoutTf = (args: string[], via: "tsx" | "built" = "tsx", deny = "^@tensorflow/") =>
  mtl(args, { via, env: { NODE_OPTIONS: `--import=${DENY}`, MTL_DENY: deny } });

/**
 * What `mtl --help` must not load: a command's module (a source under commands/ but their index,
 * or the built chunk named for a command) and the libraries behind them. The built CLI bundles
 * zod, drizzle and nats into shared chunks, which only the command chunks import.
 */
const COMMAND_MODULES = [
  "(^|/)(zod|drizzle-orm|ink|react|nats|better-sqlite3|@tensorflow/[^/]+|@mtl/[^/]+)(@|/|$)",
  "/apps/cli/src/commands/(?!index\\.ts)",
  "/chunks/(run|check|dash|trials|list|compare|report|coordinator|worker|du|gc)-[A-Z0-9]+\\.js$",
].join("|");

describe("start-up without TensorFlow.js", () => {
  const db = join(tmp.dir, "results.db");
  let valid: string;

  beforeAll(async () => {
    // A finished sweep for trials/compare/report, run normally (its workers do train).
    const spec = tinyExperiment("startup", {
      seeds: [0],
      training: { epochs: 1, batchSize: 32, learningRate: 0.01 },
    });
    valid = writeExperiment(tmp.dir, "startup", spec);
    const r = await mtl(["run", valid, "--db", db, "--workers", "1"]);
    if (r.exitCode !== 0) throw new Error(`mtl run failed (${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  });

  it("the hook stops a command that trains (the control)", async () => {
    const r = await withoutTf(["check", valid, "--samples", "32"]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/denied import: @tensorflow\//);
  });

  it.each([
    ["--help"],
    ["list", "strategies", "--json"],
    ["list", "datasets"],
    ["list", "architectures"],
    ["trials", "--json", "--db", db],
    ["compare", "--db", db],
    ["dash", "--help"],
    ["du", "--db", db],
    ["gc", "--dry-run", "--db", db],
    ["export", "--help"],
  ])("mtl %s … loads no @tensorflow module", async (...args: string[]) => {
    const r = await withoutTf(args);
    expect(r.stderr).not.toMatch(/denied import/);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
  });

  it("mtl report writes its report without loading @tensorflow", async () => {
    const r = await withoutTf(["report", "--db", db, "--out", join(tmp.dir, "report"), "--no-png"]);
    expect(r.stderr).not.toMatch(/denied import/);
    expect(r.exitCode, String(r.stderr)).toBe(0);
  });

  it("mtl check validates (and rejects) a bad file before loading @tensorflow", async () => {
    const bad = writeExperiment(tmp.dir, "bad", tinyExperiment("bad", { strategies: ["no-such-strategy"] }));
    const r = await withoutTf(["check", bad]);
    expect(r.stderr).not.toMatch(/denied import/);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no-such-strategy/);
  });
});

describe("mtl --help loads no command", () => {
  it.each(["tsx", "built"] as const)(
    "mtl --help (%s) lists the commands without loading one",
    async (via) => {
      const r = await withoutTf(["--help"], via, COMMAND_MODULES);
      expect(r.stderr).not.toMatch(/denied import/);
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(r.stdout).toMatch(/^ {2}trials \[options\] +list a sweep's trials/m);
    },
  );

  it.each(["tsx", "built"] as const)("the hook stops mtl trials (%s), the control", async (via) => {
    const r = await withoutTf(["trials", "--db", join(tmp.dir, "none.db")], via, COMMAND_MODULES);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/denied import: /);
  });
});

describe("the built CLI (apps/cli/bin/mtl.mjs)", () => {
  it("runs a sweep from a TypeScript file outside the repo, training in threads from the sources", async () => {
    const db = join(tmp.dir, "built.db");
    const file = writeExperiment(tmp.dir, "built", tinyExperiment("built", { seeds: [0] }));
    const r = await mtl(["run", file, "--db", db, "--workers", "1"], { via: "built" });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout).toMatch(/sweep 1 complete: 2 completed, 0 failed/);
    const trials = await mtl(["trials", "--json", "--db", db], { via: "built" });
    expect(JSON.parse(trials.stdout)).toHaveLength(2);
  });

  it("lists strategies without loading @tensorflow, like the sources", async () => {
    const r = await withoutTf(["list", "strategies", "--json"], "built");
    expect(r.stderr).not.toMatch(/denied import/);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const fromSource = await mtl(["list", "strategies", "--json"]);
    expect(r.stdout).toBe(fromSource.stdout);
  });

  it("reports a bad experiment file as the sources do (exit 2, no stack)", async () => {
    const bad = writeExperiment(
      tmp.dir,
      "bad-built",
      tinyExperiment("bad", { strategies: ["no-such-strategy"] }),
    );
    const built = await mtl(["run", bad, "--db", join(tmp.dir, "bad.db")], { via: "built" });
    const source = await mtl(["run", bad, "--db", join(tmp.dir, "bad.db")]);
    expect(built.exitCode).toBe(2);
    expect(built.stderr).toBe(source.stderr);
  });
});
