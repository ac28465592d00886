/**
 * The checkpoint store a results file's trials used, for `mtl du` and `mtl gc`: the folder beside
 * it (embedded runs), or with `--nats` the namespace's object store (workers over NATS).
 */
import { existsSync } from "node:fs";
import {
  type CheckpointEntry,
  type CheckpointStore,
  checkpointFolderOf,
  connectNats,
  FolderCheckpointStore,
  NatsCheckpointStore,
  topologyOf,
} from "@mtl/bus";
import { InputError } from "@mtl/spec";
import type { Store } from "@mtl/store";
import type { Command } from "commander";
import { DEFAULT_DB } from "./cli-values.ts";
import { userPath } from "./load-experiment.ts";
import { addNatsFlags, type NatsFlags, natsOptions } from "./nats-flags.ts";

export interface StoreFlags extends NatsFlags {
  db: string;
}

/** `--db` and the NATS flags (`--nats` picks the object store). */
export function addStoreFlags(command: Command): Command {
  return addNatsFlags(
    command
      .option("--db <path>", "SQLite results file", DEFAULT_DB)
      .option("--nats <url>", "the checkpoints of workers over NATS (the namespace's object store)"),
    { jetstream: false },
  );
}

/** Opens the checkpoint store of these flags; the results file must exist. */
export async function openCheckpoints(
  flags: StoreFlags,
): Promise<{ store: CheckpointStore; close(): Promise<void> }> {
  if (!existsSync(userPath(flags.db))) throw new InputError(`--db: no results file ${flags.db}`);
  if (!flags.nats) {
    const store = new FolderCheckpointStore(checkpointFolderOf(userPath(flags.db)));
    return { store, close: () => store.close() };
  }
  const nc = await connectNats(natsOptions(flags, flags.nats));
  const store = await NatsCheckpointStore.open(nc, topologyOf(flags.namespace));
  return { store, close: () => nc.close() };
}

/** What a checkpoint is to this results file: its sweep (id) and trial state, if it knows them. */
export function describeEntry(results: Store, e: CheckpointEntry) {
  const sweep = results.sweepByUid(e.sweep);
  const trial = sweep ? results.trial(e.trialId) : undefined;
  return { sweep, trial: trial && trial.sweepId === sweep?.id ? trial : undefined };
}
