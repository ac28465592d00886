/**
 * The bytes of a checkpoint or a kept model: a JSON header and float32 arrays, sealed by a
 * SHA-256 of everything before it.
 *
 *   "MTLCKPT\n" | u32 LE header length H | H bytes of JSON | zero padding to a multiple of 4 |
 *   the arrays' float32 values (little-endian), one after another | SHA-256 (32 bytes)
 *
 * The JSON is `{ format: "mtl-checkpoint", version, arrays: [length, …], body }`: the container
 * checks the magic, the digest, the format and version and that the arrays fill the payload
 * exactly; what the body means (and whether it fits a trial) is the caller's (checkpoint.ts).
 * Numbers in the body round-trip exactly (JSON keeps every double); NaN and ±Infinity, which JSON
 * has not, are written as `{ "$nonFinite": "NaN" }` and read back as numbers.
 */
import { createHash } from "node:crypto";
import { endianness } from "node:os";

const MAGIC = new TextEncoder().encode("MTLCKPT\n");
const DIGEST = 32;
/** The layout above. A reader refuses other versions rather than guess. */
export const FORMAT_VERSION = 1;

/** A checkpoint (or kept model) that cannot be used, and why; nothing was restored. */
export class CheckpointError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CheckpointError";
  }
}

export interface Container {
  body: unknown;
  arrays: Float32Array[];
}

/** Float32Array views are host-endian; the format is little-endian (every Node target is). */
function assertLittleEndian(): void {
  if (endianness() !== "LE")
    throw new Error("checkpoints: float32 arrays are stored little-endian; this host is not");
}

export function encodeContainer({ body, arrays }: Container): Uint8Array {
  assertLittleEndian();
  const json = new TextEncoder().encode(
    JSON.stringify(
      { format: "mtl-checkpoint", version: FORMAT_VERSION, arrays: arrays.map((a) => a.length), body },
      (_key, value) =>
        typeof value === "number" && !Number.isFinite(value) ? { $nonFinite: String(value) } : value,
    ),
  );
  const start = align4(MAGIC.length + 4 + json.length);
  const floats = arrays.reduce((s, a) => s + a.length, 0);
  const out = new Uint8Array(start + 4 * floats + DIGEST);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, json.length, true);
  out.set(json, MAGIC.length + 4);
  let offset = start;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    offset += a.byteLength;
  }
  out.set(sha256(out.subarray(0, offset)), offset);
  return out;
}

/** Reads a container; throws CheckpointError saying what is wrong with the bytes. */
export function decodeContainer(bytes: Uint8Array): Container {
  assertLittleEndian();
  if (!(bytes instanceof Uint8Array)) throw new CheckpointError("a checkpoint is bytes (a Uint8Array)");
  if (bytes.length < MAGIC.length + 4 + DIGEST || MAGIC.some((b, i) => bytes[i] !== b))
    throw new CheckpointError("not an MTL Lab checkpoint (its first bytes are not MTLCKPT)");
  const end = bytes.length - DIGEST;
  const expected = sha256(bytes.subarray(0, end));
  if (expected.some((b, i) => bytes[end + i] !== b))
    throw new CheckpointError(
      "checksum mismatch: the checkpoint's bytes were changed or cut short (SHA-256)",
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(MAGIC.length, true);
  const start = align4(MAGIC.length + 4 + length);
  if (start > end) throw new CheckpointError("malformed checkpoint: its header runs past its end");
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(
        bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + length),
      ),
      (_key, value) => (isNonFinite(value) ? Number(value.$nonFinite) : value),
    );
  } catch (error) {
    throw new CheckpointError("malformed checkpoint: its header is not JSON", { cause: error });
  }
  const h = header as { format?: unknown; version?: unknown; arrays?: unknown; body?: unknown };
  if (h.format !== "mtl-checkpoint")
    throw new CheckpointError("malformed checkpoint: its header names no mtl-checkpoint format");
  if (h.version !== FORMAT_VERSION)
    throw new CheckpointError(
      `checkpoint format version ${String(h.version)}: this trainer reads version ${FORMAT_VERSION}`,
    );
  const lengths = h.arrays;
  if (!Array.isArray(lengths) || !lengths.every((n) => Number.isInteger(n) && n >= 0))
    throw new CheckpointError("malformed checkpoint: its header lists no array lengths");
  const floats = (lengths as number[]).reduce((s, n) => s + n, 0);
  if (start + 4 * floats !== end)
    throw new CheckpointError(
      `malformed checkpoint: its arrays hold ${floats} floats, its payload ${(end - start) / 4}`,
    );
  // Copied, so the arrays are aligned and stay valid whatever the caller does with `bytes`.
  const payload = new Float32Array(bytes.slice(start, end).buffer);
  const arrays: Float32Array[] = [];
  let offset = 0;
  for (const n of lengths as number[]) {
    arrays.push(payload.subarray(offset, offset + n));
    offset += n;
  }
  return { body: h.body, arrays };
}

function isNonFinite(v: unknown): v is { $nonFinite: string } {
  if (typeof v !== "object" || v === null) return false;
  const keys = Object.keys(v);
  const tag = (v as { $nonFinite?: unknown }).$nonFinite;
  return keys.length === 1 && (tag === "NaN" || tag === "Infinity" || tag === "-Infinity");
}

function sha256(bytes: Uint8Array): Uint8Array {
  return createHash("sha256").update(bytes).digest();
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
