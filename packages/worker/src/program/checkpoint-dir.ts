/**
 * A program's checkpoint folder (`MTL_CHECKPOINT_DIR`) as checkpoint parts, one per file named by
 * its path inside the folder, and back. Names come from a stored checkpoint: one that would land
 * outside the folder is refused.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, normalize, relative, sep } from "node:path";
import type { CheckpointPart } from "../executor.ts";

/** A fresh folder holding `parts`; `remove()` deletes it. */
export function makeCheckpointDir(parts: readonly CheckpointPart[]): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "mtl-checkpoint-"));
  try {
    writeCheckpointDir(path, parts);
  } catch (error) {
    rmSync(path, { recursive: true, force: true });
    throw error;
  }
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The folder's regular files, by relative path ('/'-separated), in a stable order. */
export function readCheckpointDir(path: string): CheckpointPart[] {
  return (readdirSync(path, { recursive: true }) as string[])
    .sort()
    .filter((name) => statSync(join(path, name)).isFile())
    .map((name) => ({
      name: relative(path, join(path, name)).split(sep).join("/"),
      bytes: new Uint8Array(readFileSync(join(path, name))),
    }));
}

/** Writes `parts` as files under `path` (a kept program model's export too); refuses a name outside it. */
export function writeCheckpointDir(path: string, parts: readonly CheckpointPart[]): void {
  for (const p of parts) {
    const rel = normalize(p.name);
    if (isAbsolute(rel) || rel.startsWith("..") || rel === ".")
      throw new Error(`checkpoint file "${p.name}" would lie outside the checkpoint folder`);
    const file = join(path, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, p.bytes);
  }
}
