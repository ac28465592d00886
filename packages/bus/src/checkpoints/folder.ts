import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import {
  assertSweep,
  byModel,
  byRecency,
  type CheckpointEntry,
  type CheckpointKey,
  type CheckpointStore,
  checkpointName,
  type KeptModelEntry,
  type KeptModelKey,
  keptModelName,
  MODELS_PREFIX,
  parseCheckpointName,
  parseKeptModelName,
} from "./store.ts";

/** The folder of checkpoints beside a results file: `results.db` → `results.db.checkpoints`. */
export const checkpointFolderOf = (dbPath: string): string => `${dbPath}.checkpoints`;

/**
 * Checkpoints as files, `ROOT/sweep/trial/attempt/epoch.ckpt`, and kept models as
 * `ROOT/models/sweep/trial/kind/epoch.model`: the embedded path's store. A file
 * is written beside its final name and renamed over it, so a process killed mid-write leaves no
 * half checkpoint under a checkpoint's name.
 */
export class FolderCheckpointStore implements CheckpointStore {
  constructor(readonly root: string) {}

  private file(k: CheckpointKey): string {
    return join(this.root, `${checkpointName(k)}.ckpt`);
  }

  private modelFile(k: KeptModelKey): string {
    return join(this.root, `${keptModelName(k)}.model`);
  }

  async put(key: CheckpointKey, data: Uint8Array): Promise<void> {
    await writeAtomically(this.file(key), data);
  }

  async get(key: CheckpointKey): Promise<Uint8Array | undefined> {
    return readIfThere(this.file(key));
  }

  async putModel(key: KeptModelKey, data: Uint8Array): Promise<void> {
    await writeAtomically(this.modelFile(key), data);
  }

  async getModel(key: KeptModelKey): Promise<Uint8Array | undefined> {
    return readIfThere(this.modelFile(key));
  }

  async listModels(sweep?: string, trialId?: number): Promise<KeptModelEntry[]> {
    if (sweep !== undefined) assertSweep(sweep);
    const base = join(
      this.root,
      MODELS_PREFIX,
      ...(sweep !== undefined ? [sweep] : []),
      ...(trialId !== undefined ? [String(trialId)] : []),
    );
    const out: KeptModelEntry[] = [];
    for (const n of await namesUnder(base)) {
      if (!n.endsWith(".model")) continue;
      const rel = relative(this.root, join(base, n)).split(sep).join("/");
      const key = parseKeptModelName(rel.slice(0, -".model".length));
      if (key) out.push({ ...key, bytes: (await stat(join(base, n))).size });
    }
    return out.sort(byModel);
  }

  async deleteModels(keys: readonly KeptModelKey[]): Promise<number> {
    return removeFiles(keys.map((k) => this.modelFile(k)));
  }

  async list(sweep?: string, trialId?: number): Promise<CheckpointEntry[]> {
    if (sweep !== undefined) assertSweep(sweep);
    const base = join(
      this.root,
      ...(sweep !== undefined ? [sweep] : []),
      ...(trialId !== undefined ? [String(trialId)] : []),
    );
    const out: CheckpointEntry[] = [];
    for (const n of await namesUnder(base)) {
      if (!n.endsWith(".ckpt")) continue;
      const rel = relative(this.root, join(base, n)).split(sep).join("/");
      const key = parseCheckpointName(rel.slice(0, -".ckpt".length));
      if (!key) continue;
      out.push({ ...key, bytes: (await stat(join(base, n))).size });
    }
    return out.sort(byRecency);
  }

  async delete(keys: readonly CheckpointKey[]): Promise<number> {
    return removeFiles(keys.map((k) => this.file(k)));
  }

  async close(): Promise<void> {}
}

async function writeAtomically(file: string, data: Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

async function readIfThere(file: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Every path under `base`, relative to it; none when it does not exist. */
async function namesUnder(base: string): Promise<string[]> {
  try {
    return (await readdir(base, { recursive: true })) as string[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** Deletes the files; resolves with how many existed. */
async function removeFiles(files: readonly string[]): Promise<number> {
  let n = 0;
  for (const file of files) {
    const existed = await stat(file).then(
      () => true,
      () => false,
    );
    await rm(file, { force: true });
    if (existed) n++;
  }
  return n;
}
