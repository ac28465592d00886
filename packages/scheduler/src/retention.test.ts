import { describe, expect, it } from "vitest";
import { objectiveOf } from "./objective.ts";
import { retainedTrials } from "./retention.ts";
import { experiment } from "./test-fixtures.ts";

const mean = objectiveOf(experiment());
const pareto = objectiveOf(
  experiment({
    tasks: [
      { name: "a", kind: "classification", metric: "accuracy" },
      { name: "r", kind: "regression", metric: "mse" },
    ],
    sweep: { objective: { task: "pareto" } },
  }),
);
const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);

describe("retainedTrials", () => {
  const trials = [
    { id: 1, objective: [0.7] },
    { id: 2, objective: [0.9] },
    { id: 3, objective: [0.8] },
    { id: 4, objective: [0.9] },
    { id: 5, objective: null },
    { id: 6, objective: [Number.NaN] },
  ];

  it("all keeps every completed trial, none keeps none", () => {
    expect(sorted(retainedTrials(trials, "all", mean))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sorted(retainedTrials(trials, "none", mean))).toEqual([]);
  });

  it("pareto on one objective: the best trials, ties included; no objective never counts", () => {
    expect(sorted(retainedTrials(trials, "pareto", mean))).toEqual([2, 4]);
  });

  it("top k by the objective's direction, ties by the lower id", () => {
    expect(sorted(retainedTrials(trials, { top: 1 }, mean))).toEqual([2]);
    expect(sorted(retainedTrials(trials, { top: 3 }, mean))).toEqual([2, 3, 4]);
    expect(sorted(retainedTrials(trials, { top: 10 }, mean))).toEqual([1, 2, 3, 4]);
    const mse = objectiveOf(
      experiment({
        tasks: [{ name: "r", kind: "regression", metric: "mse" }],
        sweep: { objective: { task: "r" } },
      }),
    );
    expect(sorted(retainedTrials(trials, { top: 2 }, mse))).toEqual([1, 3]);
  });

  it("pareto on several objectives: the non-dominated trials", () => {
    const points = [
      { id: 1, objective: [0.9, 0.5] }, // best accuracy
      { id: 2, objective: [0.6, 0.1] }, // best mse
      { id: 3, objective: [0.8, 0.3] }, // in between, not dominated
      { id: 4, objective: [0.7, 0.4] }, // dominated by 3
    ];
    expect(sorted(retainedTrials(points, "pareto", pareto))).toEqual([1, 2, 3]);
  });
});
