import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeCheckpointDir, readCheckpointDir } from "./checkpoint-dir.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("a program's checkpoint folder", () => {
  it("restores files (nested too) and reads them back by relative path", () => {
    const dir = makeCheckpointDir([
      { name: "state.json", bytes: bytes("{}") },
      { name: "opt/adam.pt", bytes: bytes("m,v") },
    ]);
    try {
      mkdirSync(join(dir.path, "empty"));
      writeFileSync(join(dir.path, "new.bin"), "x");
      expect(readCheckpointDir(dir.path).map((p) => [p.name, new TextDecoder().decode(p.bytes)])).toEqual([
        ["new.bin", "x"],
        ["opt/adam.pt", "m,v"],
        ["state.json", "{}"],
      ]);
    } finally {
      dir.remove();
    }
    expect(existsSync(dir.path)).toBe(false);
  });

  it("refuses a file name that would land outside the folder", () => {
    for (const name of ["../escape", "/etc/passwd", "a/../../b"])
      expect(() => makeCheckpointDir([{ name, bytes: bytes("x") }]), name).toThrow(
        /outside the checkpoint folder/,
      );
  });
});
