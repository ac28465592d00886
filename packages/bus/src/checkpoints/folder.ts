import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import {
  assertSweep,
  byRecency,
  type CheckpointEntry,
  type CheckpointKey,
  type CheckpointStore,
  checkpointName,
  parseCheckpointName,
} from "./store.ts";

/** The folder of checkpoints beside a results file: `results.db` → `results.db.checkpoints`. */
export const checkpointFolderOf = (dbPath: string): string => `${dbPath}.checkpoints`;

/**
 * Checkpoints as files, `ROOT/sweep/trial/attempt/epoch.ckpt`: the embedded path's store. A file
 * is written beside its final name and renamed over it, so a process killed mid-write leaves no
 * half checkpoint under a checkpoint's name.
 */
export class FolderCheckpointStore implements CheckpointStore {
  constructor(readonly root: string) {}

  private file(k: CheckpointKey): string {
    return join(this.root, `${checkpointName(k)}.ckpt`);
  }

  async put(key: CheckpointKey, data: Uint8Array): Promise<void> {
    const file = this.file(key);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, file);
  }

  async get(key: CheckpointKey): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.file(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async list(sweep?: string, trialId?: number): Promise<CheckpointEntry[]> {
    if (sweep !== undefined) assertSweep(sweep);
    const base = join(
      this.root,
      ...(sweep !== undefined ? [sweep] : []),
      ...(trialId !== undefined ? [String(trialId)] : []),
    );
    let names: string[];
    try {
      names = (await readdir(base, { recursive: true })) as string[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const out: CheckpointEntry[] = [];
    for (const n of names) {
      if (!n.endsWith(".ckpt")) continue;
      const rel = relative(this.root, join(base, n)).split(sep).join("/");
      const key = parseCheckpointName(rel.slice(0, -".ckpt".length));
      if (!key) continue;
      out.push({ ...key, bytes: (await stat(join(base, n))).size });
    }
    return out.sort(byRecency);
  }

  async delete(keys: readonly CheckpointKey[]): Promise<number> {
    let n = 0;
    for (const k of keys) {
      const file = this.file(k);
      const existed = await stat(file).then(
        () => true,
        () => false,
      );
      await rm(file, { force: true });
      if (existed) n++;
    }
    return n;
  }

  async close(): Promise<void> {}
}
