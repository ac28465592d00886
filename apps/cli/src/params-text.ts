/**
 * A trial's sampled parameters as one line of text, for the listings (`mtl trials`, progress
 * lines, the leaderboard). Apart from the leaderboard so that `mtl trials` loads no comparison.
 */
import { shortName, shortValue } from "@mtl/analysis";
import { SINGLE_TASK } from "@mtl/spec";

/** Sampled parameters in one short line; the strategy is shown on its own, a swept architecture is not hidden. */
export function describeParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .filter(([k, v]) => k !== "strategy" && !(k === "architecture" && v === SINGLE_TASK))
    .map(([k, v]) => `${shortName(k)}=${shortValue(v)}`)
    .join(" ");
}
