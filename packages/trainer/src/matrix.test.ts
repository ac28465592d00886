/**
 * Every registered strategy × every architecture it supports (by the catalog) × a task set that
 * differs in kind, class count and loss: a 10-way and a binary classification, an mse and an mae
 * regression. A few steps each; every reported loss is finite and equals the task's own loss
 * function applied to the model's outputs on that split (computed here, independently).
 * Meta-learning strategies run on the task families they support.
 */
import { type EpochReport, TrialConfig } from "@mtl/spec";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend.ts";
import { catalog } from "./catalog/index.ts";
import { loadDataset } from "./data/load.ts";
import type { SplitData, Target } from "./data/types.ts";
import type { TrainHooks } from "./hooks.ts";
import { runTrial } from "./train.ts";

beforeAll(() => initBackend("wasm"));

const MIXED = [
  { name: "digit", kind: "classification", metric: "accuracy" },
  { name: "parity", kind: "classification", metric: "f1" },
  { name: "v_mse", target: "value", kind: "regression", metric: "mse", loss: "mse" },
  { name: "v_mae", target: "value", kind: "regression", metric: "mae", loss: "mae" },
] as const;

const dataset = { name: "mnist-multitask", options: { n_samples: 240 } };

/** The reference losses: mean cross-entropy of logits, squared and absolute error, in doubles. */
function referenceLoss(loss: string, outputs: Float32Array, target: Target, n: number): number {
  let total = 0;
  const width = outputs.length / n;
  for (let i = 0; i < n; i++) {
    if (target.kind === "classification") {
      const row = outputs.subarray(i * width, i * width + width);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      total += lse - (row[target.labels[i] as number] as number);
    } else {
      const d = (outputs[i] as number) - (target.values[i] as number);
      total += loss === "mse" ? d * d : Math.abs(d);
    }
  }
  return total / n;
}

/** Trains `strategy` on `architecture` for two short epochs (two phases for phased ones) and checks every reported loss. */
async function trainAndCheck(strategy: unknown, architecture: string) {
  const config = TrialConfig.parse({
    experiment: "matrix",
    seed: 1,
    dataset,
    tasks: MIXED,
    model: { architecture, hidden: [8] },
    strategy,
    training: { epochs: 2, batchSize: 64, learningRate: 0.01 },
    backend: "wasm",
  });
  const splits = await loadDataset(config.dataset);
  const expected = new Map<string, number>();
  const reports: EpochReport[] = [];
  const hooks: TrainHooks = {
    onEpoch: (r) => void reports.push(r),
    inspect: ({ epoch, split, task, outputs }) => {
      const spec = config.tasks.find((t) => t.name === task);
      const data = splits[split] as SplitData;
      const target = data.targets[spec?.target as string] as Target;
      expected.set(`${epoch}/${split}/${task}`, referenceLoss(spec?.loss as string, outputs, target, data.n));
    },
  };
  const outcome = await runTrial(config, hooks);
  const label = `${JSON.stringify(strategy)} on ${architecture}`;
  expect(outcome.status, `${label}: ${outcome.error ?? ""}`).toBe("completed");
  const losses = reports.flatMap((r) =>
    r.metrics.filter((m) => m.name === "loss").map((m) => ({ ...m, epoch: r.epoch })),
  );
  expect(losses.length, label).toBe(reports.length * 3 * MIXED.length);
  for (const m of losses) {
    const where = `${label}: ${m.epoch}/${m.split}/${m.task}`;
    expect(Number.isFinite(m.value), where).toBe(true);
    const want = expected.get(`${m.epoch}/${m.split}/${m.task}`) as number;
    expect(Math.abs(m.value - want), where).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want)));
  }
}

/** Strategy/architecture pairs the catalog says work, with the options that make needs differ. */
function pairs(): [unknown, string][] {
  const out: [unknown, string][] = [];
  const variants = (name: string): unknown[] =>
    name === "mgda" ? [name, { name, options: { ub: true } }] : [name];
  for (const s of catalog.strategies.values())
    for (const ref of variants(s.name)) {
      const options = typeof ref === "string" ? {} : (ref as { options: object }).options;
      const needs = s.needs(options);
      if (needs.taskFamily) continue;
      for (const a of catalog.architectures.values()) {
        if (needs.sharedRepresentation && !a.sharedRepresentation) continue;
        if (needs.sharedParameters && !a.sharedParameters) continue;
        out.push([ref, a.name]);
      }
    }
  return out;
}

describe("every strategy × architecture on mixed tasks", () => {
  const all = pairs();
  it("covers every strategy of the catalog that trains on a multi-task dataset", () => {
    const covered = new Set(all.map(([s]) => (typeof s === "string" ? s : (s as { name: string }).name)));
    const multitask = [...catalog.strategies.values()]
      .filter((s) => !s.needs({}).taskFamily)
      .map((s) => s.name);
    expect([...covered].sort()).toEqual(multitask.sort());
    expect(all.length).toBeGreaterThan(70);
  });
  for (const [strategy, architecture] of all)
    it(
      `${typeof strategy === "string" ? strategy : JSON.stringify(strategy)} on ${architecture}`,
      () => trainAndCheck(strategy, architecture),
      60_000,
    );
});

describe("meta-learning strategies on the task families they support", () => {
  const families = [
    {
      dataset: { name: "sinusoid", options: { evalTasks: 4, evalSteps: [0, 1] } },
      task: { name: "s", kind: "regression", metric: "mse" },
      headline: "query_mse@1",
    },
    {
      dataset: {
        name: "few-shot-mnist",
        options: {
          n_samples: 600,
          nWay: 3,
          testDigits: [7, 8, 9],
          evalTasks: 4,
          evalSteps: [0, 1],
          queries: 5,
        },
      },
      task: { name: "s", kind: "classification", metric: "accuracy" },
      headline: "query_loss@1",
    },
  ];
  const episodic = [...catalog.strategies.values()].filter((s) => s.needs({}).taskFamily).map((s) => s.name);
  it("are four", () => expect(episodic.sort()).toEqual(["fomaml", "maml", "pretrain-finetune", "reptile"]));
  for (const name of episodic)
    for (const f of families)
      it(`${name} on ${f.dataset.name}`, async () => {
        const outcome = await runTrial(
          TrialConfig.parse({
            experiment: "matrix",
            seed: 1,
            dataset: f.dataset,
            tasks: [f.task],
            model: { hidden: [8] },
            strategy: { name, options: { iterationsPerEpoch: 2, metaBatch: 2 } },
            training: { epochs: 1, batchSize: 16 },
            backend: "wasm",
          }),
        );
        expect(outcome.status, outcome.error).toBe("completed");
        for (const split of ["val", "test"] as const) {
          const m = outcome.final?.s?.[split] ?? {};
          expect(Number.isFinite(m.loss), `${name} ${split} loss`).toBe(true);
          expect(m.loss).toBe(m[f.headline]);
        }
        expect(Number.isFinite(outcome.final?.s?.train?.loss as number)).toBe(true);
      }, 60_000);
});
