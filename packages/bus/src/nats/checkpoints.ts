import type { NatsConnection, ObjectStore } from "nats";
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
  parseCheckpointName,
  parseKeptModelName,
} from "../checkpoints/store.ts";
import type { Topology } from "../namespace.ts";

/**
 * Checkpoints in the namespace's JetStream object store (`topology.buckets.checkpoints`), one
 * object per checkpoint named `sweep/trial/attempt/epoch` and per kept model
 * `models/sweep/trial/kind/epoch`: any worker of the namespace resumes a
 * trial another one checkpointed. The object store checks each object's SHA-256 on read.
 */
export class NatsCheckpointStore implements CheckpointStore {
  private constructor(private readonly os: ObjectStore) {}

  /** Opens the bucket, creating it if it is missing. */
  static async open(nc: NatsConnection, topology: Topology): Promise<NatsCheckpointStore> {
    return new NatsCheckpointStore(await nc.jetstream().views.os(topology.buckets.checkpoints));
  }

  async put(key: CheckpointKey, data: Uint8Array): Promise<void> {
    await this.os.putBlob({ name: checkpointName(key) }, data);
  }

  async get(key: CheckpointKey): Promise<Uint8Array | undefined> {
    return (await this.os.getBlob(checkpointName(key))) ?? undefined;
  }

  async list(sweep?: string, trialId?: number): Promise<CheckpointEntry[]> {
    if (sweep !== undefined) assertSweep(sweep);
    const out: CheckpointEntry[] = [];
    for (const info of await this.os.list()) {
      if (info.deleted) continue;
      const key = parseCheckpointName(info.name);
      if (!key || (sweep !== undefined && key.sweep !== sweep)) continue;
      if (trialId !== undefined && key.trialId !== trialId) continue;
      out.push({ ...key, bytes: info.size });
    }
    return out.sort(byRecency);
  }

  async delete(keys: readonly CheckpointKey[]): Promise<number> {
    return this.remove(keys.map(checkpointName));
  }

  async putModel(key: KeptModelKey, data: Uint8Array): Promise<void> {
    await this.os.putBlob({ name: keptModelName(key) }, data);
  }

  async getModel(key: KeptModelKey): Promise<Uint8Array | undefined> {
    return (await this.os.getBlob(keptModelName(key))) ?? undefined;
  }

  async listModels(sweep?: string, trialId?: number): Promise<KeptModelEntry[]> {
    if (sweep !== undefined) assertSweep(sweep);
    const out: KeptModelEntry[] = [];
    for (const info of await this.os.list()) {
      if (info.deleted) continue;
      const key = parseKeptModelName(info.name);
      if (!key || (sweep !== undefined && key.sweep !== sweep)) continue;
      if (trialId !== undefined && key.trialId !== trialId) continue;
      out.push({ ...key, bytes: info.size });
    }
    return out.sort(byModel);
  }

  async deleteModels(keys: readonly KeptModelKey[]): Promise<number> {
    return this.remove(keys.map(keptModelName));
  }

  private async remove(names: readonly string[]): Promise<number> {
    let n = 0;
    for (const name of names) {
      const info = await this.os.info(name);
      if (!info || info.deleted) continue;
      await this.os.delete(name);
      n++;
    }
    return n;
  }

  async close(): Promise<void> {}
}
