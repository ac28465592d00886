/**
 * Kept models end to end, with the real CLI: a sweep keeps its trials' final and best weights
 * beside the results file; `mtl export` writes the best trial's model as a TensorFlow.js folder that
 * tfjs-layers loads and that predicts, on the validation rows, the metrics the worker stored; the
 * retention policy (`checkpoint.keep`) keeps exactly the trials it names once the sweep ends; and
 * `mtl gc` never deletes a kept model of a sweep that has not ended.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkpointFolderOf, FolderCheckpointStore } from "@mtl/bus";
import { SqliteSource } from "@mtl/dashboard";
import { objectiveOf, retainedTrials } from "@mtl/scheduler";
import { ExperimentSpec } from "@mtl/spec";
import { Store } from "@mtl/store";
import { initBackend } from "@mtl/trainer";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, describe, expect, it } from "vitest";
import { mtl, ROOT, tempDir, writeExperiment } from "./helpers/cli.ts";
import { Processes, read, until } from "./helpers/sweeps.ts";

const tmp = tempDir("mtl-kept-");
const procs = new Processes();
afterAll(() => {
  procs.killAll();
  tmp.cleanup();
});

/**
 * A csv of 300 rows with a fixed split column (every 5th row val, the next test): a 3-class label
 * and a price of four float features, so the test knows each split's rows without the trainer.
 */
const data = join(tmp.dir, "data");
mkdirSync(data);
let state = 12345;
const uniform = () => {
  state = (state * 1103515245 + 12345) % 2 ** 31;
  return state / 2 ** 31 - 0.5;
};
const rows = Array.from({ length: 300 }, (_, i) => {
  const f = [uniform(), uniform(), uniform(), uniform()];
  const s = f[0]! + f[1]!;
  const label = s < -0.2 ? 0 : s < 0.2 ? 1 : 2;
  const price = 2 * f[2]! - f[3]! + 0.05 * uniform();
  return { f, label, price, fold: i % 5 === 0 ? "val" : i % 5 === 1 ? "test" : "train" };
});
writeFileSync(
  join(data, "shop.csv"),
  [
    "f1,f2,f3,f4,label,price,fold",
    ...rows.map((r) => [...r.f.map((v) => v.toFixed(6)), r.label, r.price.toFixed(6), r.fold].join(",")),
  ].join("\n"),
);

/** 2 strategies × 2 seeds of a classification and a regression task on the csv. */
const experiment = (name: string, keep?: unknown) => ({
  name,
  dataset: {
    name: "csv",
    options: {
      path: join(data, "shop.csv"),
      targets: { label: "classification", price: "regression" },
      split: { column: "fold" },
    },
  },
  tasks: [
    { name: "label", kind: "classification", metric: "accuracy" },
    { name: "price", kind: "regression", metric: "mse" },
  ],
  model: { architecture: "hard-sharing", hidden: [16] },
  strategies: ["equal", { name: "fixed" }],
  seeds: [0, 1],
  training: { epochs: 4, batchSize: 32, learningRate: 0.02 },
  sweep: { objective: { task: "label" } },
  ...(keep === undefined ? {} : { checkpoint: { keep } }),
});

async function runSweep(name: string, keep?: unknown) {
  const dir = join(tmp.dir, name);
  mkdirSync(dir);
  const file = writeExperiment(dir, name, experiment(name, keep));
  const db = join(dir, "results.db");
  const r = await mtl(["run", file, "--db", db, "--workers", "2"]);
  expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
  return { dir, db, file, stdout: r.stdout };
}

/** The kept models beside a results file, as trial number → kinds. */
async function keptOf(db: string) {
  const store = new Store(db, { readonly: true });
  try {
    const sweep = store.latestSweep()!;
    const trials = store.trialsOf(sweep.id);
    const models = await new FolderCheckpointStore(checkpointFolderOf(db)).listModels(sweep.uid);
    const byNumber = new Map<number, string[]>();
    for (const m of models) {
      const n = trials.find((t) => t.id === m.trialId)!.number;
      byNumber.set(n, [...(byNumber.get(n) ?? []), m.kind].sort());
    }
    return { trials, byNumber, models, sweep };
  } finally {
    store.close();
  }
}

describe("kept models", { timeout: 300_000 }, () => {
  it("mtl export writes the best trial's model; tfjs-layers loads it and it predicts the stored val metrics", async () => {
    const { dir, db, stdout } = await runSweep("keepexport");
    expect(stdout).toMatch(/Kept models of \d+ trial\(s\)/);
    const { trials, byNumber } = await keptOf(db);
    // The default policy ("pareto", one objective): the trials of the best label accuracy.
    const best = Math.max(...trials.map((t) => t.objective![0]!));
    const top = trials.filter((t) => t.objective![0] === best).map((t) => t.number);
    expect([...byNumber.keys()].sort()).toEqual(top.sort());
    for (const n of top) expect(byNumber.get(n)).toEqual(["best", "final"]);

    const trial = trials.find((t) => t.number === top[0])!;
    const out = join(dir, "model");
    const r = await mtl(["export", String(trial.number), "--out", out, "--db", db]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/layers-model/);

    await initBackend("wasm");
    const json = JSON.parse(readFileSync(join(out, "model.json"), "utf8"));
    const weights = readFileSync(join(out, "weights.bin"));
    const model = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        format: json.format,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
        userDefinedMetadata: json.userDefinedMetadata,
      }),
    );
    expect(json.userDefinedMetadata.mtl.config.seed).toBe(trial.config.seed);
    const val = rows.filter((row) => row.fold === "val");
    const x = tf.tensor2d(val.map((row) => row.f.map((v) => Number(v.toFixed(6)))));
    const [label, price] = model.predict(x) as tf.Tensor2D[];
    const classes = tf.argMax(label!, 1);
    const predicted = (await classes.array()) as number[];
    const accuracy = predicted.filter((p, i) => p === val[i]!.label).length / val.length;
    const prices = (await price!.array()) as number[][];
    const mse =
      prices.reduce((s, [p], i) => s + (p! - Number(val[i]!.price.toFixed(6))) ** 2, 0) / val.length;
    const final = trial.final as Record<string, Record<string, Record<string, number>>>;
    expect(accuracy).toBeCloseTo(final.label!.val!.accuracy!, 6);
    expect(Math.abs(mse - final.price!.val!.mse!) / final.price!.val!.mse!).toBeLessThan(1e-4);
    tf.dispose([x, label!, price!, classes]);
    model.dispose();

    // The report and the dashboard's trial detail link to what is kept.
    const rep = await mtl(["report", "--db", db, "--out", join(dir, "report"), "--no-png"]);
    expect(rep.exitCode, rep.stderr).toBe(0);
    const html = readFileSync(join(dir, "report", "report.html"), "utf8");
    expect(html).toContain("<h2>Kept models</h2>");
    expect(html).toContain(`mtl export ${trial.number} --sweep 1 --which best --db ${db} --out DIR`);
    const source = new SqliteSource({ path: db });
    try {
      const detail = await source.trialDetail(trial.id);
      expect(detail?.kept?.map((k) => k.kind).sort()).toEqual(["best", "final"]);
      expect(detail?.kept?.find((k) => k.kind === "final")).toMatchObject({
        epoch: 4,
        command: `mtl export ${trial.number} --sweep 1 --out DIR`,
      });
    } finally {
      await source.close();
    }

    // Bad input: a clear message, exit 2, no stack.
    const notKept = trials.find((t) => !top.includes(t.number));
    const bad = [
      ["export", String(trial.number), "--out", out, "--db", db], // not empty
      ["export", "99", "--out", join(dir, "x"), "--db", db],
      ["export", "one", "--out", join(dir, "x"), "--db", db],
      ...(notKept ? [["export", String(notKept.number), "--out", join(dir, "x"), "--db", db]] : []),
    ];
    for (const args of bad) {
      const b = await mtl(args);
      expect(b.exitCode, args.join(" ")).toBe(2);
      expect(b.stderr).toMatch(/^mtl: (--out|TRIAL|trial \d+ of sweep)/);
      expect(b.stderr).not.toMatch(/ {4}at /);
    }
  });

  it("checkpoint.keep: top 2 keeps the two best trials, all every one, none nothing", async () => {
    const [top2, all, none] = await Promise.all([
      runSweep("keeptop", { top: 2 }),
      runSweep("keepall", "all"),
      runSweep("keepnone", "none"),
    ]);
    const a = await keptOf(top2.db);
    const objective = objectiveOf(ExperimentSpec.parse(experiment("keeptop", { top: 2 })));
    const want = retainedTrials(a.trials, { top: 2 }, objective);
    expect(want.size).toBe(2);
    expect([...a.byNumber.keys()].sort()).toEqual(
      a.trials
        .filter((t) => want.has(t.id))
        .map((t) => t.number)
        .sort(),
    );
    const b = await keptOf(all.db);
    expect([...b.byNumber.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const kinds of b.byNumber.values()) expect(kinds).toEqual(["best", "final"]);
    const c = await keptOf(none.db);
    expect(c.models).toEqual([]);
    // mtl du shows them, with the policy; mtl gc has nothing more to delete of an applied policy.
    const du = await mtl(["du", "--db", all.db, "--json"]);
    expect(du.exitCode, du.stderr).toBe(0);
    const sizes = JSON.parse(du.stdout) as { models: { models: number; bytes: number; policy: unknown }[] };
    expect(sizes.models).toHaveLength(1);
    expect(sizes.models[0]).toMatchObject({
      models: b.models.length,
      bytes: b.models.reduce((s, m) => s + m.bytes, 0),
      policy: "all",
    });
  });

  it("a program trial keeps its MTL_CHECKPOINT_DIR files; mtl export writes them with its config", async () => {
    const dir = join(tmp.dir, "program");
    mkdirSync(dir);
    copyFileSync(join(ROOT, "test", "fixtures", "checkpoint_program.py"), join(dir, "train.py"));
    const file = writeExperiment(dir, "prog", {
      name: "prog",
      trainer: { program: "ckpt" },
      programs: { ckpt: ["python3", "train.py"] },
      tasks: [{ name: "a", kind: "classification", metric: "accuracy" }],
      space: { sleep: { kind: "choice", values: [0] } },
      training: { epochs: 3 },
      checkpoint: { keep: "all" },
    });
    const db = join(dir, "results.db");
    const r = await mtl(["run", file, "--db", db, "--workers", "1"], { env: { MTL_TOY_LOG: dir } });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    const { byNumber } = await keptOf(db);
    expect([...byNumber]).toEqual([[0, ["final"]]]);
    const out = join(dir, "model");
    const e = await mtl(["export", "0", "--out", out, "--db", db]);
    expect(e.exitCode, e.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["mtl-trial.json", "state.json"]);
    expect(JSON.parse(readFileSync(join(out, "mtl-trial.json"), "utf8"))).toMatchObject({ program: "ckpt" });
    const best = await mtl(["export", "0", "--which", "best", "--out", join(dir, "best"), "--db", db]);
    expect(best.exitCode).toBe(2);
    expect(best.stderr).toMatch("has no kept best model (it has: final; use --which)");
  });

  it("mtl gc never deletes a kept model of a sweep that has not ended", async () => {
    const dir = join(tmp.dir, "unfinished");
    mkdirSync(dir);
    const spec = {
      ...experiment("unfinished", { top: 1 }),
      seeds: [0, 1, 2],
      training: { epochs: 40, batchSize: 16, learningRate: 0.02 },
    };
    const file = writeExperiment(dir, "unfinished", spec);
    const db = join(dir, "results.db");
    const run = procs.start(["run", file, "--db", db, "--workers", "1"]);
    await until(
      db,
      (s) => s.trialsOf(1, ["completed"]).length >= 2 || undefined,
      "two trials completed",
      180_000,
    );
    run.kill("SIGINT");
    await run;
    const before = await keptOf(db);
    expect(read(db, (s) => s.sweepStatus(1))).not.toBe("completed");
    // Two completed trials' models at least, though top 1 would keep one trial's once the sweep ends.
    expect(before.byNumber.size).toBeGreaterThanOrEqual(2);
    const gc = await mtl(["gc", "--db", db]);
    expect(gc.exitCode, gc.stderr).toBe(0);
    expect(gc.stdout).toMatch("deleted 0 kept model(s)");
    expect((await keptOf(db)).models).toEqual(before.models);
  });
});
