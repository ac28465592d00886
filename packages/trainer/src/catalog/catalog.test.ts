/**
 * The catalog without TensorFlow.js: its module graph, its agreement with the runtime
 * registries, checkExperiment's problems and describeDataset's descriptions.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ModelSpec, Rng } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.ts";
import { splitDataset } from "../data/split.ts";
import type { Dataset } from "../data/types.ts";
import { allVariables } from "../models/types.ts";
import { architectures, datasets, strategies } from "../registries.ts";
import { catalog, checkExperiment, describeDataset, listCatalog } from "./index.ts";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

beforeAll(() => initBackend("wasm"));

describe("@mtl/trainer/catalog", () => {
  it("loads no @tensorflow module (checked in a fresh process that refuses to resolve one)", () => {
    const deny = join(mkdtempSync(join(tmpdir(), "mtl-deny-")), "deny.mjs");
    writeFileSync(
      deny,
      `import { register } from "node:module";
       register("data:text/javascript," + encodeURIComponent(
         'export async function resolve(s, c, next) { if (s.startsWith("@tensorflow/")) throw new Error("tf loaded: " + s); return next(s, c); }'));`,
    );
    const run = (entry: string) =>
      spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "--import",
          deny,
          "--input-type=module",
          "-e",
          `const m = await import("${entry}"); console.log(Object.keys(m).join(","));`,
        ],
        { cwd: pkg, encoding: "utf8", timeout: 60_000 },
      );
    const cat = run("@mtl/trainer/catalog");
    expect(cat.status, cat.stderr).toBe(0);
    expect(cat.stdout).toMatch(/catalog/);
    expect(cat.stdout).toMatch(/checkExperiment/);
    // The control: the same refusal stops the full trainer, so the check above could fail.
    const full = run("@mtl/trainer");
    expect(full.status).not.toBe(0);
    expect(full.stderr).toMatch(/tf loaded: @tensorflow\//);
  }, 60_000);

  it("lists for `mtl list` exactly what the runtime registries list", () => {
    expect(listCatalog("strategies")).toEqual(strategies.list());
    expect(listCatalog("architectures")).toEqual(architectures.list());
    expect(listCatalog("datasets")).toEqual(datasets.list());
    expect(listCatalog("strategies").length).toBeGreaterThan(5);
  });

  it("lists what the runtime registries run, with capabilities that match the implementations", () => {
    expect([...catalog.strategies.keys()].sort()).toEqual(strategies.list().map((s) => s.name));
    expect([...catalog.architectures.keys()].sort()).toEqual(architectures.list().map((a) => a.name));
    expect([...catalog.datasets.keys()].sort()).toEqual(datasets.list().map((d) => d.name));
    const ctx = { tasks: ["a", "b"], initialWeights: [1, 1], rng: new Rng(0) };
    for (const info of catalog.strategies.values()) {
      const module = strategies.get(info.name) as ReturnType<typeof strategies.get> & { run?: unknown };
      if (info.family === "meta") expect(typeof module.run, info.name).toBe("function");
      else {
        const s = module.create(module.options.parse({}), ctx);
        expect(s.kind, info.name).toBe(info.family);
        s.dispose?.();
      }
    }
    for (const info of catalog.architectures.values())
      for (const trunk of info.trunks) {
        const m = architectures.get(info.name);
        const model = m.build(
          ModelSpec.parse({ architecture: info.name, trunk, hidden: [4] }),
          m.options.parse({}),
          {
            inputShape: [8, 8, 1],
            outputs: [3, 1],
            rng: new Rng(0),
          },
        );
        expect(model.split !== undefined, `${info.name} shared representation`).toBe(
          info.sharedRepresentation,
        );
        tf.dispose(allVariables(model));
      }
  });
});

const ctx = { baseDir: mkdtempSync(join(tmpdir(), "mtl-check-")), dataDirs: [] as string[] };
const valid = {
  name: "ok",
  dataset: { name: "mnist-multitask", options: { n_samples: 500 } },
  tasks: [
    { name: "digit", kind: "classification", metric: "accuracy" },
    { name: "value", kind: "regression", metric: "mae", loss: "mae" },
  ],
  model: { architecture: "hard-sharing", trunk: "cnn", hidden: [16] },
  strategies: ["equal", { name: "mgda", options: { ub: true } }, "pcgrad"],
};

describe("checkExperiment", () => {
  it("finds nothing wrong with a valid experiment", async () => {
    expect(await checkExperiment(valid, ctx)).toEqual([]);
  });

  it("returns every problem at once, with paths and did-you-mean suggestions", async () => {
    const issues = await checkExperiment(
      {
        ...valid,
        tasks: [...valid.tasks, { name: "d2", target: "digt", kind: "classification", metric: "accuracy" }],
        model: { architecture: "mmoe", trunk: "cnn" },
        strategies: [
          "equal",
          "pcgard",
          { name: "mgda", options: { ub: true } },
          { name: "cagrad", options: { c: -1 } },
        ],
      },
      ctx,
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: "strategies[1]", message: 'unknown strategy "pcgard" — did you mean "pcgrad"?' },
        {
          path: "tasks[2].target",
          message:
            'the dataset has no output "digt" — did you mean "digit"? (it has digit, parity, ge5, mod3, loops, value)',
        },
        {
          path: "strategies[2]",
          message: '"mgda" needs one shared representation; architecture "mmoe" has none (use hard-sharing)',
        },
        expect.objectContaining({ path: "strategies[3].options.c" }),
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  it("checks what strategies and trunks need of the dataset, and tasks' kinds", async () => {
    const issues = await checkExperiment(
      {
        name: "x",
        dataset: { name: "classification", options: { n_classes: 3 } },
        tasks: [
          { name: "a", target: "task1", kind: "regression", metric: "mse" },
          { name: "b", target: "task2", kind: "classification", metric: "accuracy" },
        ],
        model: { architecture: "logistic", trunk: "cnn" },
        strategies: ["maml"],
      },
      ctx,
    );
    const at = (path: string) => issues.filter((i) => i.path === path).map((i) => i.message);
    expect(at("tasks[0].kind")).toEqual(['output "task1" is classification, not regression']);
    expect(at("strategies[0]")).toEqual([
      '"maml" needs a task-family dataset (sinusoid, few-shot-mnist); "classification" is not one',
    ]);
    expect(at("tasks")).toEqual(['"maml" trains one task of the family, not 2']);
    expect(at("model.trunk")).toEqual(
      expect.arrayContaining([
        'architecture "logistic" takes the mlp trunk, not "cnn"',
        'the cnn trunk needs image data [height, width, channels]; dataset "classification" has samples of shape [20]',
      ]),
    );
  });

  it("checks a task family's task for episodic strategies", async () => {
    const issues = await checkExperiment(
      {
        name: "x",
        dataset: { name: "sinusoid" },
        tasks: [{ name: "sinusoid", kind: "regression", metric: "mae" }],
        strategies: ["reptile"],
      },
      ctx,
    );
    expect(issues).toEqual([
      { path: "tasks[0].metric", message: "a regression family is scored by mse, not mae" },
    ]);
  });

  it("never throws on bad input", async () => {
    for (const bad of [null, 42, "x", {}, { dataset: 3, tasks: "no", strategies: [null] }]) {
      const issues = await checkExperiment(bad, ctx);
      expect(issues.length, JSON.stringify(bad)).toBeGreaterThan(0);
      for (const i of issues) expect(typeof i.path === "string" && typeof i.message === "string").toBe(true);
    }
  });

  it("checks a csv file: readable inside the folders, columns present and numeric, no leaked label", async () => {
    writeFileSync(join(ctx.baseDir, "t.csv"), "a,b,digit,y\n1,2,2,0.5\n4,5,0,0.1\n7,8,1,0.2\n1,1,1,0.3\n");
    writeFileSync(join(ctx.baseDir, "text.csv"), "a,y\n1,2\nfoo,3\n");
    const csvExperiment = (options: Record<string, unknown>) => ({
      name: "c",
      dataset: { name: "csv", options },
      tasks: [{ name: "y", kind: "regression", metric: "mse" }],
    });
    const check = (options: Record<string, unknown>) => checkExperiment(csvExperiment(options), ctx);
    expect(await check({ path: "t.csv", targets: { y: "regression" }, exclude: ["digit"] })).toEqual([]);
    expect((await check({ path: "t.csv", targets: { y: "regression" } }))[0]?.message).toMatch(
      /column "digit", which looks like a label/,
    );
    expect(await check({ path: "missing.csv", targets: { y: "regression" } })).toEqual([
      {
        path: "dataset.options.path",
        message: expect.stringMatching(/"missing.csv" is not in any data folder/),
      },
    ]);
    expect(
      (await check({ path: "t.csv", targets: { y: "regression" }, features: ["a", "bb"] }))[0]?.message,
    ).toMatch(/features: no column "bb" in "t.csv" — did you mean "b"\?/);
    expect((await check({ path: "text.csv", targets: { y: "regression" } }))[0]?.message).toBe(
      'csv: row 3, column "a": expected a number',
    );
    expect(await check({ path: "/etc/passwd", targets: { y: "regression" } })).toEqual([
      { path: "dataset.options.path", message: expect.stringMatching(/lies outside the data folders/) },
    ]);
  });
});

describe("describeDataset", () => {
  it("gives the outputs a loaded dataset has, without loading it", async () => {
    const specs = [
      { name: "classification", options: { n_tasks: 3, n_classes: 4, n_samples: 200 } },
      { name: "correlated-regression", options: { n_samples: 100, dim: 8 } },
      { name: "mnist-multitask", options: { n_samples: 120 } },
      { name: "sinusoid", options: { n_samples: 50 } },
      { name: "few-shot-mnist", options: { n_samples: 500, nWay: 3, testDigits: [7, 8, 9] } },
    ];
    for (const spec of specs) {
      const described = await describeDataset(spec, { dataDirs: [] });
      const { item, options } = datasets.resolve(spec.name, spec.options);
      const data = splitDataset(
        (await item.load(options, { seed: 0, dataDirs: [] })) as Dataset,
        { val: 0, test: 0 },
        0,
      );
      const outputs = Object.entries(data.train.targets).map(([name, t]) =>
        t.kind === "classification" ? { name, kind: t.kind, classes: t.classes } : { name, kind: t.kind },
      );
      expect(described.outputs, spec.name).toEqual(outputs);
      expect(described.inputShape, spec.name).toEqual(data.inputShape);
      if (described.samples !== undefined) expect(described.samples, spec.name).toBe(data.train.n);
    }
    expect((await describeDataset({ name: "sinusoid" }, { dataDirs: [] })).kind).toBe("family");
  });

  it("reads only a csv's head: features and outputs, samples only when the head is the whole file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mtl-describe-"));
    const rows = Array.from(
      { length: 150_000 },
      (_, i) => `${i % 7}.5,${i % 3}.25,${i % 2},${(i % 11) / 10}`,
    );
    writeFileSync(join(dir, "big.csv"), `x1,x2,label,y\n${rows.join("\n")}\n`);
    writeFileSync(join(dir, "small.csv"), `x1,x2,label,y\n${rows.slice(0, 10).join("\n")}\n`);
    const options = { targets: { label: "classification", y: "regression" } };
    const big = await describeDataset(
      { name: "csv", options: { ...options, path: "big.csv" } },
      { dataDirs: [dir] },
    );
    expect(big).toEqual({
      kind: "multitask",
      outputs: [
        { name: "label", kind: "classification" },
        { name: "y", kind: "regression" },
      ],
      features: ["x1", "x2"],
      inputShape: [2],
    });
    const small = await describeDataset(
      { name: "csv", options: { ...options, path: "small.csv" } },
      { baseDir: dir, dataDirs: [] },
    );
    expect(small).toMatchObject({ samples: 10, outputs: [{ name: "label", classes: 2 }, { name: "y" }] });
  });

  it("rejects an unknown dataset or bad options naming the field", async () => {
    await expect(describeDataset({ name: "mnsit-multitask" }, { dataDirs: [] })).rejects.toThrow(
      'dataset.name: unknown dataset "mnsit-multitask" — did you mean "mnist-multitask"?',
    );
    await expect(
      describeDataset({ name: "classification", options: { n_tasks: 0 } }, { dataDirs: [] }),
    ).rejects.toMatchObject({ details: [expect.stringMatching(/^dataset\.options\.n_tasks: /)] });
  });
});
