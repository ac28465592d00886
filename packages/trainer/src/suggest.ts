/** "Did you mean …?" for names a user mistyped. */
import { closest, distance } from "fastest-levenshtein";

/** The known name closest to `name` when it is close enough to be a likely typo, else undefined. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(name, [...known]);
  const d = distance(name.toLowerCase(), best.toLowerCase());
  return best !== name && d <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
