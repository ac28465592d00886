/**
 * `mtl check FILE…` end to end: a line per configuration trained, a csv dataset's feature
 * columns shown, a configuration that cannot train fails the check (exit 3), an invalid file is
 * refused (exit 2) without stopping the check of the others.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mtl, tempDir, tinyExperiment, writeExperiment } from "./helpers/cli.ts";

const tmp = tempDir("mtl-check-");
afterAll(() => tmp.cleanup());

describe("mtl check", () => {
  it("trains each distinct configuration once and shows a csv dataset's feature columns", async () => {
    const data = join(tmp.dir, "data");
    mkdirSync(data);
    const rows = Array.from(
      { length: 120 },
      (_, i) => `${i / 10},${(i * 7) % 13},${((i * 3) % 5) * 0.37},${i % 2}`,
    );
    writeFileSync(join(data, "points.csv"), ["x1,x2,x3,label", ...rows].join("\n"));
    const file = writeExperiment(
      tmp.dir,
      "csv",
      tinyExperiment("csv", {
        dataset: {
          name: "csv",
          options: { path: join(data, "points.csv"), targets: { label: "classification" } },
        },
        tasks: [{ name: "label", kind: "classification", metric: "accuracy" }],
        strategies: ["equal"],
        space: {
          learningRate: { kind: "choice", values: [0.01, 0.1] },
          architecture: { kind: "choice", values: ["hard-sharing", "logistic"] },
        },
        baselines: true,
      }),
    );
    const r = await mtl(["check", file]);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/csv · dataset csv · features x1, x2, x3 · 3 configuration\(s\), 1 epoch\(s\)/);
    // The learning rates are one configuration; the architectures and the baseline are not.
    expect(lines.slice(1).map((l) => l.replace(/ · [\d.]+ s$/, ""))).toEqual([
      "  ok   equal · hard-sharing (mlp) · features x1, x2, x3",
      "  ok   equal · logistic (mlp) · features x1, x2, x3",
      "  ok   single-task (mlp) · features x1, x2, x3",
    ]);
  });

  it("mtl run reads a csv named relative to the experiment file, and shows its feature columns", async () => {
    const folder = join(tmp.dir, "relative");
    mkdirSync(folder);
    const rows = Array.from({ length: 80 }, (_, i) => `${i / 10},${(i * 7) % 13},${i % 2}`);
    writeFileSync(join(folder, "points.csv"), ["x1,x2,label", ...rows].join("\n"));
    const spec = tinyExperiment("relative", {
      dataset: { name: "csv", options: { path: "points.csv", targets: { label: "classification" } } },
      tasks: [{ name: "label", kind: "classification", metric: "accuracy" }],
      strategies: ["equal"],
      seeds: [0],
      training: { epochs: 1, batchSize: 16 },
    });
    // The CLI runs from the repository root: the path must resolve from the file's folder.
    const r = await mtl(["run", writeExperiment(folder, "relative", spec), "--db", join(folder, "r.db")]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^sweep 1 · relative · features x1, x2 · /m);
  });

  it("fails (exit 3) when a configuration cannot train, naming it and why", async () => {
    const file = writeExperiment(
      tmp.dir,
      "diverges",
      tinyExperiment("diverges", {
        dataset: { name: "correlated-regression", options: { n_samples: 300, dim: 8, n_tasks: 2 } },
        tasks: [
          { name: "task1", kind: "regression", metric: "mse" },
          { name: "task2", kind: "regression", metric: "mse" },
        ],
        strategies: ["equal", "uncertainty"],
        training: { epochs: 5, optimizer: "sgd", learningRate: 1e12 },
      }),
    );
    const r = await mtl(["check", file]);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toMatch(
      /^ {2}FAIL equal · hard-sharing \(mlp\) · [\d.]+ s: non-finite loss in task task\d at epoch 1$/m,
    );
    expect(r.stdout).toMatch(/^ {2}FAIL uncertainty · hard-sharing \(mlp\)/m);
  });

  it("checks every file, exiting 2 when one is invalid", async () => {
    const good = writeExperiment(tmp.dir, "good", tinyExperiment("good", { strategies: ["equal"] }));
    const bad = writeExperiment(tmp.dir, "bad", tinyExperiment("bad", { strategies: ["eqaul"] }));
    const r = await mtl(["check", bad, good]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('strategies[0]: unknown strategy "eqaul" — did you mean "equal"?');
    expect(r.stdout).toMatch(/good\.ts: good · dataset classification · 1 configuration\(s\)/);
    expect(r.stdout).toMatch(/^ {2}ok {3}equal · hard-sharing \(mlp\)/m);
  });
});
