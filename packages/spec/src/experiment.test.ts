import { describe, expect, it } from "vitest";
import { ExperimentSpec, fieldsAt, formatIssues, metricDirection, simplex } from "./index.ts";

const valid = {
  name: "t",
  dataset: { name: "classification" },
  tasks: [
    { name: "a", kind: "classification", metric: "accuracy" },
    { name: "b", kind: "regression", metric: "mse" },
  ],
};

describe("ExperimentSpec", () => {
  it("fills defaults", () => {
    const e = ExperimentSpec.parse(valid);
    expect(e.tasks[0]!.loss).toBe("cross-entropy");
    expect(e.tasks[1]!.direction).toBe("min");
    expect(e.training.optimizer).toBe("adam");
    expect(e.strategies).toEqual([{ name: "equal", options: {} }]);
  });

  it("names the field and what was expected", () => {
    const bad = { ...valid, tasks: [valid.tasks[0], { name: "b", kind: "regression", metric: "r2" }] };
    const r = ExperimentSpec.safeParse(bad);
    expect(r.success).toBe(false);
    expect(formatIssues(r.error!)).toContain("tasks[1].metric: expected one of accuracy, f1, mse, mae");
  });

  it("says what it got instead of the expected type", () => {
    const r = ExperimentSpec.safeParse({
      ...valid,
      name: 7,
      tasks: [{ kind: "classification", metric: "accuracy" }],
      training: { epochs: 2.5 },
    });
    const lines = formatIssues(r.error!);
    expect(lines).toContain("name: expected string, got number");
    expect(lines).toContain("tasks[0].name: expected string, got nothing");
    expect(lines).toContain("training.epochs: expected an integer, got a fraction");
  });

  it("reports every problem, including unknown fields and bad simplex tasks", () => {
    const r = ExperimentSpec.safeParse({
      ...valid,
      trainig: {},
      space: { weights: simplex(["a", "zzz"], { resolution: 2 }) },
      training: { epochs: -1 },
    });
    const lines = formatIssues(r.error!);
    expect(lines.some((l) => l.startsWith("(root): unknown field trainig"))).toBe(true);
    expect(lines.some((l) => l.startsWith("training.epochs:"))).toBe(true);
    expect(lines.some((l) => l.startsWith("space.weights.tasks[1]: expected one of the task names"))).toBe(
      true,
    );
  });

  it("rejects a classification metric on a regression task", () => {
    const r = ExperimentSpec.safeParse({
      ...valid,
      tasks: [{ name: "b", kind: "regression", metric: "accuracy" }],
    });
    expect(formatIssues(r.error!)).toContain("tasks[0].metric: expected mse or mae for a regression task");
  });
});

describe("metricDirection", () => {
  it("knows the trainers' metric names, including scores after k steps", () => {
    expect(["accuracy", "f1", "query_accuracy@5"].map(metricDirection)).toEqual(["max", "max", "max"]);
    expect(
      ["loss", "mse", "mae", "query_mse@10", "query_loss@0", "teacher_kl", "wall_ms"].map(metricDirection),
    ).toEqual(Array(7).fill("min"));
  });
});

describe("schema errors suggest what was meant", () => {
  it("an unknown field gets the closest allowed field at its path; an enum value the closest value", () => {
    const parsed = ExperimentSpec.safeParse(
      {
        name: "x",
        dataset: { name: "classification" },
        tasks: [{ name: "a", kind: "classification", metric: "acuracy" }],
        stratgies: ["equal"],
        training: { epochs: 2, optimizer: "adma", batchsize: 3 },
      },
      { reportInput: true },
    );
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    const lines = formatIssues(parsed.error, ExperimentSpec);
    expect(lines).toContain('(root): unknown field stratgies — did you mean "strategies"?');
    expect(lines).toContain('training: unknown field batchsize — did you mean "batchSize"?');
    expect(lines).toContain(
      'training.optimizer: expected one of adam, sgd, momentum, rmsprop — did you mean "adam"?',
    );
    expect(lines).toContain(
      'tasks[0].metric: expected one of accuracy, f1, mse, mae — did you mean "accuracy"?',
    );
  });

  it("finds the fields allowed inside arrays, defaults and the experiment's pipe; none for records", () => {
    expect(fieldsAt(ExperimentSpec, ["tasks", 0])).toEqual(
      expect.arrayContaining(["name", "kind", "metric"]),
    );
    expect(fieldsAt(ExperimentSpec, ["sweep"])).toEqual(
      expect.arrayContaining(["sampler", "pruner", "pool"]),
    );
    expect(fieldsAt(ExperimentSpec, ["space"])).toBeUndefined();
  });
});
