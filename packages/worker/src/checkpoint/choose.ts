import type { CheckpointKey, CheckpointStore } from "@mtl/bus";
import { type CheckpointRecord, decodeRecord } from "./record.ts";

/** Checkpoints a resume looks at, newest first, before it starts afresh. */
export const MAX_TRIED = 4;

export interface Chosen {
  /** The record to resume from, if one fitted. */
  record?: CheckpointRecord;
  key?: CheckpointKey;
  /** Why each newer checkpoint was not used (`epoch 6 (attempt 2): checksum mismatch`). */
  notes: string[];
  /** Every checkpoint the trial has, newest first: what the run prunes as it stores its own. */
  stored: CheckpointKey[];
}

/**
 * The latest checkpoint of a trial that is intact and fits it (`fits` answers undefined, or why
 * not: the trainer's own check of the trial's identity), trying older ones when one does not.
 */
export async function chooseCheckpoint(
  store: CheckpointStore,
  sweep: string,
  trialId: number,
  fits: (record: CheckpointRecord) => Promise<string | undefined>,
): Promise<Chosen> {
  const notes: string[] = [];
  const stored = (await store.list(sweep, trialId)).map(({ bytes: _size, ...key }) => key);
  for (const key of stored.slice(0, MAX_TRIED)) {
    const name = `epoch ${key.epoch} (attempt ${key.attempt})`;
    try {
      const bytes = await store.get(key);
      if (!bytes) {
        notes.push(`${name}: gone before it was read`);
        continue;
      }
      const record = decodeRecord(bytes);
      if (record.epoch !== key.epoch) {
        notes.push(`${name}: holds epoch ${record.epoch}`);
        continue;
      }
      const why = await fits(record);
      if (why === undefined) return { record, key, notes, stored };
      notes.push(`${name}: ${why}`);
    } catch (error) {
      notes.push(`${name}: ${(error as Error).message}`);
    }
  }
  return { notes, stored };
}
