/**
 * What a worker keeps as one checkpoint of a trial: the trainer's checkpoint (or a program's
 * files) and the epoch reports up to it. A resumed attempt reports those epochs again under its
 * own attempt before training goes on, so the store's rule stays whole: a result counts only with
 * every one of its epochs stored under the attempt that finished it, and no reader has to join
 * attempts. The reports come from the record, not from the store, because a NATS worker has no
 * store to read.
 *
 *   "MTLWREC\n" | u32 LE header length H | H bytes of JSON header | the parts' bytes, in the
 *   header's order | SHA-256 (32 bytes) of everything before it
 *
 * Header: `{ version, epoch, reports, parts: [{ name, bytes }] }`. A built-in trial's record has
 * one part, `trainer` (the trainer's own sealed checkpoint, which it checks again on resume); a
 * program's has one part per file of its checkpoint folder, named by its relative path.
 */
import { createHash } from "node:crypto";
import type { EpochReport } from "@mtl/spec";
import { z } from "zod";
import type { CheckpointPart } from "../executor.ts";

const MAGIC = new TextEncoder().encode("MTLWREC\n");
const DIGEST = 32;
const VERSION = 1;

export interface CheckpointRecord {
  /** Epochs completed when it was taken. */
  epoch: number;
  /** The trial's epoch reports up to `epoch`, oldest first (a built-in trial's: every one). */
  reports: EpochReport[];
  parts: CheckpointPart[];
}

/** A record that cannot be used, and why. */
export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RecordError";
  }
}

// Non-finite metric values (a diverging task) survive JSON as strings.
const num = z.union([z.number(), z.enum(["NaN", "Infinity", "-Infinity"]).transform(Number)]);
const Header = z
  .object({
    version: z.literal(VERSION),
    epoch: z.number().int().nonnegative(),
    reports: z.array(
      z.object({
        epoch: z.number().int().positive(),
        metrics: z.array(
          z.object({
            task: z.string(),
            split: z.enum(["train", "val", "test"]),
            name: z.string(),
            value: num,
          }),
        ),
        weights: z.record(z.string(), num),
        wallMs: z.number(),
      }),
    ),
    parts: z.array(z.object({ name: z.string().min(1), bytes: z.number().int().nonnegative() })),
  })
  .strict();

const writeNumber = (_k: string, v: unknown) =>
  typeof v === "number" && !Number.isFinite(v) ? String(v) : v;

export function encodeRecord(r: CheckpointRecord): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify(
      {
        version: VERSION,
        epoch: r.epoch,
        reports: r.reports,
        parts: r.parts.map((p) => ({ name: p.name, bytes: p.bytes.length })),
      },
      writeNumber,
    ),
  );
  const size = MAGIC.length + 4 + header.length + r.parts.reduce((s, p) => s + p.bytes.length, 0);
  const out = new Uint8Array(size + DIGEST);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  out.set(header, MAGIC.length + 4);
  let offset = MAGIC.length + 4 + header.length;
  for (const p of r.parts) {
    out.set(p.bytes, offset);
    offset += p.bytes.length;
  }
  out.set(createHash("sha256").update(out.subarray(0, size)).digest(), size);
  return out;
}

/** Reads a record, checking its seal and its reports' epochs; throws RecordError. */
export function decodeRecord(bytes: Uint8Array): CheckpointRecord {
  if (bytes.length < MAGIC.length + 4 + DIGEST || !MAGIC.every((b, i) => bytes[i] === b))
    throw new RecordError("not a worker checkpoint (bad magic or too short)");
  const size = bytes.length - DIGEST;
  const digest = createHash("sha256").update(bytes.subarray(0, size)).digest();
  if (!digest.equals(bytes.subarray(size))) throw new RecordError("checksum mismatch (corrupted)");
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MAGIC.length, true);
  const start = MAGIC.length + 4 + length;
  if (start > size) throw new RecordError("header runs past the end");
  let header: z.output<typeof Header>;
  try {
    header = Header.parse(JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, start))));
  } catch (error) {
    throw new RecordError(`unreadable header: ${(error as Error).message.slice(0, 200)}`);
  }
  if (header.parts.reduce((s, p) => s + p.bytes, start) !== size)
    throw new RecordError("parts do not fill the record");
  // Increasing and up to its epoch; a program may report only some epochs.
  if (header.reports.some((r, i) => r.epoch > header.epoch || r.epoch <= (header.reports[i - 1]?.epoch ?? 0)))
    throw new RecordError(`reports are not increasing epochs up to ${header.epoch}`);
  let offset = start;
  const parts = header.parts.map((p) => {
    // A copy in a Uint8Array of its own: a Node Buffer's slice (the object store's blobs) is a view.
    const part = { name: p.name, bytes: new Uint8Array(bytes.subarray(offset, offset + p.bytes)) };
    offset += p.bytes;
    return part;
  });
  return { epoch: header.epoch, reports: header.reports, parts };
}
