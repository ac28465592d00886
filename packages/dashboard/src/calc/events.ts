/** Which events the log shows. */
import type { EventInfo } from "@mtl/bus";

/** Routine lifecycle events; the trials view already shows them as states. */
const ROUTINE = new Set(["trial.started", "trial.completed"]);

/**
 * The log's events, newest first: failures, retries, prunes, cancellations, workers joining and
 * leaving, sweep changes and rejected messages; those matching every term of `query` when given.
 */
export function logEvents(events: readonly EventInfo[], query = ""): EventInfo[] {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  return events
    .filter((e) => !ROUTINE.has(e.kind))
    .filter((e) => terms.every((t) => `${e.kind} ${e.message}`.toLowerCase().includes(t)))
    .reverse();
}
