import type { TaskInfo, TrialInfo } from "@mtl/bus";
import { describe, expect, it } from "vitest";
import { filterTrials, pageOf, sortTrials } from "./trials-page.ts";

const tasks: TaskInfo[] = [
  { name: "a", metric: "accuracy", direction: "max" },
  { name: "b", metric: "mse", direction: "min" },
];

function trial(number: number, over: Partial<TrialInfo>): TrialInfo {
  return {
    id: number + 100,
    number,
    state: "completed",
    method: "equal",
    strategy: over.method ?? "equal",
    seed: 0,
    configKey: String(number),
    params: {},
    weights: null,
    attempt: 1,
    attemptsUsed: 0,
    maxAttempts: 3,
    worker: "local-1",
    backend: "wasm",
    epoch: 3,
    epochs: 3,
    prunedEpoch: null,
    error: null,
    objective: null,
    metrics: {},
    live: false,
    deltaM: null,
    rank: null,
    startedAt: null,
    finishedAt: null,
    ...over,
  };
}

const trials = [
  trial(0, { metrics: { a: 0.7, b: 0.3 }, deltaM: -1 }),
  trial(1, {
    method: "pcgrad",
    seed: 1,
    metrics: { a: 0.9, b: 0.5 },
    deltaM: 4,
    params: { learningRate: 0.01 },
  }),
  trial(2, { state: "running", metrics: { a: null, b: null }, worker: "gpu-1" }),
  trial(3, { state: "failed", method: "pcgrad", error: "NaN loss" }),
];
const ctx = { tasks, objectiveDirections: ["max" as const] };
const numbers = (ts: TrialInfo[]) => ts.map((t) => t.number);

describe("sorting trials", () => {
  it("puts the best first by each task's direction, missing values last", () => {
    expect(numbers(sortTrials(trials, "task:a", ctx))).toEqual([1, 0, 2, 3]);
    expect(numbers(sortTrials(trials, "task:b", ctx))).toEqual([0, 1, 2, 3]);
    expect(numbers(sortTrials(trials, "task:a", ctx, true))).toEqual([0, 1, 2, 3]);
    expect(numbers(sortTrials(trials, "deltaM", ctx))).toEqual([1, 0, 2, 3]);
  });

  it("sorts by state with running first and by method alphabetically", () => {
    expect(numbers(sortTrials(trials, "state", ctx))[0]).toBe(2);
    expect(numbers(sortTrials(trials, "method", ctx))).toEqual([0, 2, 1, 3]);
  });
});

describe("filtering trials", () => {
  it("matches field terms at the start of the field", () => {
    expect(numbers(filterTrials(trials, "state:run"))).toEqual([2]);
    expect(numbers(filterTrials(trials, "method:pcgrad seed:1"))).toEqual([1]);
  });

  it("matches bare terms anywhere, case-insensitively, all of them", () => {
    expect(numbers(filterTrials(trials, "NAN"))).toEqual([3]);
    expect(numbers(filterTrials(trials, "lr=0.01"))).toEqual([1]);
    expect(numbers(filterTrials(trials, "gpu"))).toEqual([2]);
    expect(numbers(filterTrials(trials, "pcgrad failed"))).toEqual([3]);
    expect(numbers(filterTrials(trials, "  "))).toEqual([0, 1, 2, 3]);
  });
});

describe("a page of trials", () => {
  const query = { offset: 0, limit: 2, sort: "number" as const, reverse: false, filter: "" };
  it("filters and sorts all trials, then cuts the page; the total counts the matches", () => {
    const first = pageOf(trials, query, ctx);
    expect(numbers(first.items)).toEqual([0, 1]);
    expect(first.total).toBe(4);
    expect(numbers(pageOf(trials, { ...query, offset: 2 }, ctx).items)).toEqual([2, 3]);
    const best = pageOf(trials, { ...query, sort: "task:a", limit: 1 }, ctx);
    expect(numbers(best.items)).toEqual([1]);
    const pc = pageOf(trials, { ...query, filter: "method:pcgrad", sort: "number", reverse: true }, ctx);
    expect([numbers(pc.items), pc.total]).toEqual([[3, 1], 2]);
  });

  it("moves an offset past the end back to the last trial", () => {
    const p = pageOf(trials, { ...query, offset: 99 }, ctx);
    expect([p.offset, numbers(p.items)]).toEqual([3, [3]]);
    expect(pageOf([], query, ctx)).toMatchObject({ items: [], offset: 0, total: 0 });
  });
});
