import type { TaskInfo } from "@mtl/bus";
import { describe, expect, it } from "vitest";
import { nextSortKey, sortKeys, sortLabel } from "./sort-keys.ts";

const tasks: TaskInfo[] = [
  { name: "a", metric: "accuracy", direction: "max" },
  { name: "b", metric: "mse", direction: "min" },
];

describe("sort keys", () => {
  it("cycles through the fixed keys, Δm% when there are baselines, then each task", () => {
    const keys = sortKeys(tasks, true);
    expect(keys).toEqual(["number", "state", "method", "objective", "deltaM", "task:a", "task:b"]);
    expect(nextSortKey("task:b", keys)).toBe("number");
    expect(sortKeys(tasks, false)).not.toContain("deltaM");
    expect(keys.map(sortLabel)).toEqual(["#", "state", "method", "objective", "Δm%", "a", "b"]);
  });
});
