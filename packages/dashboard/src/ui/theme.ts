/** Colours by meaning, so every view shows a state the same way. */
export const STATE_COLOR: Record<string, string> = {
  queued: "gray",
  running: "cyan",
  completed: "green",
  failed: "red",
  pruned: "magenta",
  cancelled: "yellow",
  lost: "yellow",
  paused: "yellow",
  idle: "green",
  busy: "cyan",
  gone: "gray",
};

/** Colour of an event by its kind (e.g. trial.failed, worker.left). */
export function eventColor(kind: string): string | undefined {
  if (kind.endsWith("failed") || kind === "message.rejected") return "red";
  if (
    kind.endsWith("retried") ||
    kind.endsWith("requeued") ||
    kind.endsWith("left") ||
    kind.endsWith("cancelled")
  )
    return "yellow";
  if (kind.endsWith("pruned")) return "magenta";
  if (kind.endsWith("joined") || kind.endsWith("completed")) return "green";
  if (kind.startsWith("sweep.")) return "cyan";
  return undefined;
}

/** Colours of chart series: train, validation, test; and one per task for the weights chart. */
export const SPLIT_COLOR: Record<string, string> = { train: "cyan", val: "yellow", test: "magenta" };
export const SERIES_COLORS = ["cyan", "yellow", "magenta", "green", "blue", "red", "white"];
