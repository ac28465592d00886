import { describe, expect, it } from "vitest";
import { ObjectiveError } from "./errors.ts";
import { objectiveOf } from "./objective.ts";
import { experiment } from "./test-fixtures.ts";

const mixed = [
  { name: "a", kind: "classification" as const, metric: "accuracy" as const },
  { name: "r", kind: "regression" as const, metric: "mse" as const },
];
const final = {
  a: { val: { accuracy: 0.8 }, test: { accuracy: 0.7 } },
  b: { val: { accuracy: 0.6 } },
  r: { val: { mse: 0.25 } },
};

describe("objectiveOf", () => {
  it("mean: the mean of the tasks' common metric, its direction", () => {
    const o = objectiveOf(experiment());
    expect(o.names).toEqual(["mean.accuracy"]);
    expect(o.directions).toEqual(["max"]);
    expect(o.extract(final)).toEqual([0.7]);
    expect(o.extract({ a: final.a })).toBeUndefined();
    expect(
      o.extractEpoch([
        { task: "a", split: "val", name: "accuracy", value: 0.5 },
        { task: "b", split: "val", name: "accuracy", value: 0.7 },
        { task: "b", split: "train", name: "accuracy", value: 0.9 },
      ]),
    ).toEqual([0.6]);
  });

  it("errors clearly when tasks' metrics differ and none is given", () => {
    const e = experiment({ tasks: mixed });
    expect(() => objectiveOf(e)).toThrow(ObjectiveError);
    expect(() => objectiveOf(e)).toThrow(/metrics differ \(a: accuracy, r: mse\)/);
    expect(() =>
      objectiveOf(experiment({ tasks: mixed, sweep: { objective: { metric: "accuracy" } } })),
    ).toThrow(/accuracy is not reported for regression task "r"/);
  });

  it("one task: its metric and direction", () => {
    const o = objectiveOf(experiment({ tasks: mixed, sweep: { objective: { task: "r" } } }));
    expect(o.names).toEqual(["r.mse"]);
    expect(o.directions).toEqual(["min"]);
    expect(o.extract(final)).toEqual([0.25]);
  });

  it("pareto: one objective per task, each with its own metric and direction", () => {
    const o = objectiveOf(
      experiment({ tasks: mixed, sweep: { objective: { task: "pareto", split: "val" } } }),
    );
    expect(o.names).toEqual(["a.accuracy", "r.mse"]);
    expect(o.directions).toEqual(["max", "min"]);
    expect(o.extract(final)).toEqual([0.8, 0.25]);
    expect(o.scalarDirection).toBe("max");
    expect(o.scalar([0.8, 0.25])).toBeCloseTo((0.8 - 0.25) / 2);
  });
});
