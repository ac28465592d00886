/**
 * `pnpm bench search`: on one fixed experiment, the best validation metric found by grid,
 * random, TPE and ASHA (grid configurations with ASHA pruning), against the total epochs each
 * spent. Target (issue 5): ASHA within 1% of grid's best with at most 30% of grid's epochs.
 *
 * Trials run one at a time in this process through `runTrial`, with a minimal coordinator loop:
 * `sampler.next(1, history)`, per-epoch objective values into the trial's curve, and the pruner
 * asked after each epoch. Training is seeded, so every run of the bench gives the same figures
 * on one machine.
 *
 * Options: `--quick` (fewer samples and epochs, for a smoke run), `--all` (also median stopping
 * on the grid, and TPE with ASHA), `--only grid,asha` (a subset of methods), `--json` (print JSON too).
 * Each method's figures go to bench/results/search.json (search-quick.json with --quick), a part
 * per method, as it finishes; against grid's when grid ran first in the same run.
 */

import { createPruner, createSampler, objectiveOf, type TrialHistory } from "@mtl/scheduler";
import { type BuiltinExperiment, type Experiment, ExperimentSpec } from "@mtl/spec";
import { initBackend, runTrial } from "@mtl/trainer";
import { type SearchMethodFigures, saveResults, startRun } from "./_results.ts";

interface MethodResult {
  method: string;
  best: number | undefined;
  bestParams: Record<string, unknown> | undefined;
  epochs: number;
  trials: number;
  pruned: number;
  failed: number;
  seconds: number;
}

function fixedExperiment(quick: boolean, sweep: Record<string, unknown>): BuiltinExperiment {
  const e = ExperimentSpec.parse({
    name: "bench-search",
    dataset: {
      name: "classification",
      options: {
        n_samples: quick ? 1000 : 3000,
        n_features: 20,
        n_informative: 5,
        class_sep: 0.8,
        flip_y: 0.02,
        relatedness: 0.5,
      },
      seed: 0,
    },
    tasks: [
      { name: "task1", kind: "classification", metric: "accuracy" },
      { name: "task2", kind: "classification", metric: "accuracy" },
    ],
    model: { hidden: [32, 32] },
    strategies: ["fixed"],
    training: { epochs: quick ? 9 : 27, batchSize: 64 },
    // Grid: 3 learning rates (the default 3 points of a loguniform) × 5 weight mixes × 2 batch sizes.
    space: {
      learningRate: { kind: "loguniform", low: 1e-4, high: 1e-1 },
      weights: { kind: "simplex", tasks: ["task1", "task2"], resolution: 4 },
      batchSize: { kind: "choice", values: [32, 128] },
    },
    seeds: [0],
    sweep: { objective: { task: "mean", split: "val" }, seed: 0, ...sweep },
  });
  if (e.kind !== "builtin") throw new Error("the search bench trains built-in models");
  return e;
}

async function runSweep(method: string, experiment: Experiment): Promise<MethodResult> {
  const sampler = createSampler(experiment);
  const objective = objectiveOf(experiment);
  const pruner = createPruner(
    experiment.sweep.pruner,
    objective.scalarDirection,
    experiment.training.epochs,
    objective.scalar,
  );
  const history: TrialHistory[] = [];
  const started = performance.now();
  let epochs = 0;
  for (;;) {
    const [trial] = sampler.next(1, history);
    if (!trial) break;
    const h: TrialHistory = {
      configKey: trial.configKey,
      params: trial.params,
      seed: trial.config.seed,
      state: "running",
      curve: [],
    };
    history.push(h);
    let stop: "pruned" | null = null;
    const outcome = await runTrial(trial.config, {
      onEpoch(report) {
        epochs += 1;
        const values = objective.extractEpoch(report.metrics);
        if (!values) return;
        h.curve!.push({ epoch: report.epoch, values });
        const q = {
          configKey: h.configKey,
          seed: h.seed,
          epoch: report.epoch,
          value: objective.scalar(values),
        };
        if (report.epoch < experiment.training.epochs && pruner.shouldPrune(q, () => history))
          stop = "pruned";
      },
      shouldStop: () => stop,
    });
    h.state = outcome.status;
    const values =
      outcome.status === "completed" && outcome.final ? objective.extract(outcome.final) : undefined;
    if (values) h.values = values;
  }
  const done = history.filter((h) => h.state === "completed" && h.values);
  const best = done.reduce<TrialHistory | undefined>(
    (a, b) => (!a || b.values![0]! > a.values![0]! ? b : a),
    undefined,
  );
  return {
    method,
    best: best?.values?.[0],
    bestParams: best?.params,
    epochs,
    trials: history.length,
    pruned: history.filter((h) => h.state === "pruned").length,
    failed: history.filter((h) => h.state === "failed").length,
    seconds: (performance.now() - started) / 1000,
  };
}

const fmt = (x: number | undefined, d = 4) => (x === undefined ? "—" : x.toFixed(d));

/** A method's figures for bench/results, against grid's when `grid` is grid's result of this run. */
function methodFigures(r: MethodResult, grid: MethodResult | undefined): SearchMethodFigures {
  const figures = {
    best: r.best,
    epochs: r.epochs,
    trials: r.trials,
    pruned: r.pruned,
    failed: r.failed,
    seconds: r.seconds,
  };
  if (grid?.method !== "grid" || grid.best === undefined || r.best === undefined)
    return { ...figures, vsGrid: null };
  const best = r.best / grid.best;
  const epochs = r.epochs / grid.epochs;
  return {
    ...figures,
    vsGrid: {
      best,
      outcome: best > 1.0005 ? "beats" : best >= 0.9995 ? "matches" : "below",
      epochs,
      ...(r.method === "asha"
        ? { targetMet: r.best >= 0.99 * grid.best && r.epochs <= 0.3 * grid.epochs }
        : {}),
    },
  };
}

export async function main(args: string[]): Promise<void> {
  const quick = args.includes("--quick");
  const only =
    args
      .find((a) => a.startsWith("--only="))
      ?.slice(7)
      .split(",") ?? (args.includes("--only") ? args[args.indexOf("--only") + 1]?.split(",") : undefined);
  const backend = await initBackend();
  const grid = fixedExperiment(quick, { sampler: "grid" });
  const budget = Math.round(createSampler(grid).total! / 3);
  const methods: [string, Record<string, unknown>][] = [
    ["grid", { sampler: "grid" }],
    ["random", { sampler: "random", maxTrials: budget }],
    ["tpe", { sampler: "tpe", maxTrials: budget }],
    ["asha", { sampler: "grid", pruner: { kind: "asha", reduction: 3, minEpochs: 1 } }],
  ];
  if (args.includes("--all"))
    methods.push(
      ["median", { sampler: "grid", pruner: { kind: "median", warmupEpochs: 1, minTrials: 3 } }],
      [
        "tpe+asha",
        { sampler: "tpe", maxTrials: budget, pruner: { kind: "asha", reduction: 3, minEpochs: 1 } },
      ],
    );
  const e0 = fixedExperiment(quick, {});
  process.stdout.write(
    `search bench: ${e0.dataset.name} (${String(e0.dataset.options.n_samples)} samples), tasks task1/task2, ` +
      `objective mean val accuracy, ${e0.training.epochs} epochs per trial, backend ${backend}\n` +
      `grid: ${createSampler(grid).total} trials; random/TPE: ${budget} trials; ASHA η=3 from epoch 1 on the grid\n\n`,
  );
  const results: MethodResult[] = [];
  for (const [name, sweep] of methods) {
    if (only && !only.includes(name)) continue;
    const start = startRun(args);
    const r = await runSweep(name, fixedExperiment(quick, sweep));
    results.push(r);
    saveResults(quick ? "search-quick" : "search", { [name]: methodFigures(r, results[0]) }, start);
    process.stdout.write(
      `${name.padEnd(9)} best ${fmt(r.best)}  epochs ${String(r.epochs).padStart(4)}  trials ${String(r.trials).padStart(3)}` +
        `  pruned ${String(r.pruned).padStart(3)}  ${r.seconds.toFixed(1)} s  ${JSON.stringify(r.bestParams)}\n`,
    );
  }
  const g = results.find((r) => r.method === "grid");
  if (g?.best !== undefined) {
    process.stdout.write("\nrelative to grid (best / grid best, epochs / grid epochs):\n");
    for (const r of results)
      process.stdout.write(
        `${r.method.padEnd(9)} ${fmt(r.best === undefined ? undefined : r.best / g.best, 4)}  ${fmt(r.epochs / g.epochs, 3)}\n`,
      );
    const a = results.find((r) => r.method === "asha");
    if (a?.best !== undefined) {
      const ok = a.best >= 0.99 * g.best && a.epochs <= 0.3 * g.epochs;
      process.stdout.write(
        `\ntarget (ASHA ≥ 99% of grid's best with ≤ 30% of its epochs): ${ok ? "met" : "NOT met"} ` +
          `(${fmt((100 * a.best) / g.best, 2)}%, ${fmt((100 * a.epochs) / g.epochs, 1)}% of epochs)\n`,
      );
    }
  }
  if (args.includes("--json")) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}
