/**
 * Identity of values that travel and are stored: one canonical JSON and one hash, so that the same
 * configuration always gets the same key wherever it is computed (scheduler, store, analysis).
 * Pure (no node:crypto): FNV-1a only needs to tell a sweep's configurations apart, not resist an
 * adversary.
 */

/** JSON with object keys sorted at every level and `undefined` fields dropped: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return JSON.stringify(String(value));
    const s = JSON.stringify(value);
    return s === undefined ? "null" : s;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const utf8 = new TextEncoder();

/** 64-bit FNV-1a over the UTF-8 bytes of `text`, as 16 hex digits. */
export function fnv1a64(text: string): string {
  let h = FNV_OFFSET;
  for (const byte of utf8.encode(text)) {
    h ^= BigInt(byte);
    h = (h * FNV_PRIME) & MASK;
  }
  return h.toString(16).padStart(16, "0");
}

/** 32-bit FNV-1a over the UTF-8 bytes of `text`: seeds of random streams. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of utf8.encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Short id of a value: the first 12 hex digits of the FNV-1a hash of its canonical JSON. */
export function shortHash(value: unknown): string {
  return fnv1a64(canonicalJson(value)).slice(0, 12);
}

/** Whether two JSON-like values are equal, whatever the order of their keys. */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
