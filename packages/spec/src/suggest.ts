/** "Did you mean …?" for names a user mistyped: one rule for every message of MTL Lab. */
import { distance } from "fastest-levenshtein";

/**
 * The candidate closest to a misspelt `name`, if it is close enough to be what was meant: within
 * a third of the name's length in edits (at least 2), case ignored (`learningrate` →
 * `learningRate`). Undefined when `name` is itself a candidate or none is close.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    if (c === name) return undefined;
    const d = distance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** ` — did you mean "x"?` for the closest candidate, or "" when none is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const c = closestName(name, candidates);
  return c === undefined ? "" : ` — did you mean "${c}"?`;
}
