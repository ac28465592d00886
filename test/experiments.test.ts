import { readdirSync } from "node:fs";
import { join } from "node:path";
import { createSampler } from "@mtl/scheduler";
import { ExperimentSpec, formatIssues } from "@mtl/spec";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/cli.ts";

const dir = join(ROOT, "experiments");
const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));

describe("experiments/*.ts", () => {
  it("has the quickstart", () => expect(files).toContain("quickstart.ts"));

  it.each(files)("%s is valid and plans its sweep", async (file) => {
    const mod = await import(join(dir, file));
    const parsed = ExperimentSpec.safeParse(mod.default);
    expect(parsed.success ? [] : formatIssues(parsed.error)).toEqual([]);
    const sampler = createSampler(parsed.data!);
    const first = sampler.next(1, []);
    expect(first.length).toBe(1);
  });
});
