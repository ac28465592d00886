/**
 * Every shipped experiment is valid and trains: `mtl check` (the real CLI, as a child process)
 * validates each file against the registries and trains each of its distinct method and
 * architecture configurations for one short epoch. An experiment that cannot train is a red build.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mtl, ROOT } from "./helpers/cli.ts";

const dir = join(ROOT, "experiments");
const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));

describe("experiments/*.ts", () => {
  it("has the quickstart", () => expect(files).toContain("quickstart.ts"));

  it.each(files)("mtl check %s: valid, and every configuration trains", async (file) => {
    const r = await mtl(["check", join("experiments", file)]);
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toMatch(/^\s+FAIL /m);
    expect(r.exitCode).toBe(0);
    // One line per configuration, each trained.
    const [head, ...lines] = r.stdout.trim().split("\n");
    const count = Number(/· (\d+) configuration\(s\)/.exec(head ?? "")?.[1]);
    expect(count).toBeGreaterThan(0);
    expect(lines.filter((l) => /^\s+ok /.test(l))).toHaveLength(count);
  });
});
