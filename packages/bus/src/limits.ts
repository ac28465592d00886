/**
 * Bounds on what the bus carries, so that nothing a client sends can make a message that no
 * longer fits the server (and so is never recorded), or a reply that throws instead of answering.
 * NATS refuses a payload over the server's `max_payload` (1 MiB by default).
 */
import type { Rejected } from "./bus.ts";

/** A rejected message keeps this much of its payload in the dead letter: enough to see what it was. */
export const REJECTED_PAYLOAD_BYTES = 4096;
/** A rejection's reason is a line, not a document. */
export const REJECTED_ERROR_BYTES = 1024;
/** Dashboard requests are a few ids; anything larger is refused before it is parsed. */
export const DASH_REQUEST_BYTES = 16 * 1024;
/** NATS's default `max_payload`, for when the server did not say. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * `text` cut to at most `maxBytes` of UTF-8 (a marker with the original size included), never in
 * the middle of a character.
 */
export function cutText(text: string, maxBytes: number): string {
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return text;
  const marker = `… [cut: ${bytes.length} bytes]`;
  const keep = Math.max(0, maxBytes - encoder.encode(marker).length);
  // A cut inside a multi-byte character decodes to U+FFFD: drop it.
  const head = decoder.decode(bytes.subarray(0, keep)).replace(/\uFFFD$/, "");
  return `${head}${marker}`;
}

/** A rejected message as recorded and forwarded: its payload and reason cut to their bounds. */
export function boundRejected(r: Rejected): Rejected {
  return {
    source: cutText(r.source, 256),
    payload: cutText(r.payload, REJECTED_PAYLOAD_BYTES),
    error: cutText(r.error, REJECTED_ERROR_BYTES),
    // Whose event it was: ids, small, and what lets the coordinator fail that run's trial.
    ...(r.identity ? { identity: r.identity } : {}),
  };
}
