/** The sort keys the trials list cycles through with `s` (the server sorts: coordinator's trials-page.ts). */
import type { SortKey, TaskInfo } from "@mtl/bus";

/** The keys `s` cycles through, in order. Δm% only when there are baselines. */
export function sortKeys(tasks: readonly TaskInfo[], hasBaselines: boolean): SortKey[] {
  const keys: SortKey[] = ["number", "state", "method", "objective"];
  if (hasBaselines) keys.push("deltaM");
  for (const t of tasks) keys.push(`task:${t.name}`);
  return keys;
}

export function nextSortKey(current: SortKey, keys: readonly SortKey[]): SortKey {
  const i = keys.indexOf(current);
  return keys[(i + 1) % keys.length] ?? "number";
}

export function sortLabel(key: SortKey): string {
  if (key.startsWith("task:")) return key.slice(5);
  return key === "deltaM" ? "Δm%" : key === "number" ? "#" : key;
}
