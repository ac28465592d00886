/** Which events the log shows. */
import type { EventInfo } from "@mtl/bus";

/**
 * The log's events, newest first: trials starting, finishing, failing, retried, pruned and
 * cancelled, workers joining and leaving, sweep changes and rejected messages; those matching
 * every term of `query` when given.
 */
export function logEvents(events: readonly EventInfo[], query = ""): EventInfo[] {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  return events
    .filter((e) => terms.every((t) => `${e.kind} ${e.message}`.toLowerCase().includes(t)))
    .reverse();
}
