/**
 * The trials list as a view shows it, computed by the server: filtered by a query, sorted by a
 * key, cut to the page the view asked for. A sweep of 50,000 trials travels one page at a time.
 */
import { shortName, shortValue } from "@mtl/analysis";
import type { SortKey, TaskInfo, TrialInfo, TrialPage } from "@mtl/bus/core";

const STATE_ORDER = ["running", "queued", "failed", "pruned", "cancelled", "completed"];

/**
 * Sorts a copy. Metric keys put the best first (by the task's or objective's direction), missing
 * values last; ties keep trial order. `reverse` flips the order but still keeps missing values last.
 */
export function sortTrials(
  trials: readonly TrialInfo[],
  key: SortKey,
  ctx: { tasks: readonly TaskInfo[]; objectiveDirections: readonly ("max" | "min")[] },
  reverse = false,
): TrialInfo[] {
  const flip = reverse ? -1 : 1;
  const numeric = (value: (t: TrialInfo) => number | null | undefined, direction: "max" | "min") => {
    const sign = direction === "max" ? -1 : 1;
    return (a: TrialInfo, b: TrialInfo) => {
      const va = value(a);
      const vb = value(b);
      const ma = va == null || !Number.isFinite(va);
      const mb = vb == null || !Number.isFinite(vb);
      if (ma || mb) return Number(ma) - Number(mb) || a.number - b.number;
      return flip * sign * ((va as number) - (vb as number)) || a.number - b.number;
    };
  };
  const text = (value: (t: TrialInfo) => string | number) => (a: TrialInfo, b: TrialInfo) => {
    const va = value(a);
    const vb = value(b);
    const c =
      typeof va === "number" && typeof vb === "number" ? va - vb : String(va).localeCompare(String(vb));
    return flip * c || a.number - b.number;
  };
  let cmp: (a: TrialInfo, b: TrialInfo) => number;
  if (key === "number") cmp = text((t) => t.number);
  else if (key === "state") cmp = text((t) => STATE_ORDER.indexOf(t.state));
  else if (key === "method") cmp = text((t) => t.strategy);
  else if (key === "objective") cmp = numeric((t) => t.objective?.[0], ctx.objectiveDirections[0] ?? "max");
  else if (key === "deltaM") cmp = numeric((t) => t.deltaM, "max");
  else {
    const name = key.slice(5);
    const task = ctx.tasks.find((t) => t.name === name);
    cmp = numeric((t) => t.metrics[name], task?.direction ?? "max");
  }
  return [...trials].sort(cmp);
}

/** Fields a `field:value` filter term may name. */
const FIELDS: Record<string, (t: TrialInfo) => string> = {
  state: (t) => t.state,
  method: (t) => t.strategy,
  strategy: (t) => t.strategy,
  seed: (t) => String(t.seed),
  worker: (t) => t.worker ?? "",
  backend: (t) => t.backend ?? "",
  "#": (t) => String(t.number),
};

/**
 * Keeps the trials matching every space-separated term of `query` (case-insensitive): a term
 * `field:value` matches that field's start (state, method, seed, worker, backend); a bare term
 * matches anywhere in the trial's number, state, strategy, parameters, worker or error.
 */
export function filterTrials(trials: readonly TrialInfo[], query: string): TrialInfo[] {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return [...trials];
  return trials.filter((t) => {
    const hay = [
      `#${t.number}`,
      t.state,
      t.strategy,
      ...Object.entries(t.params).map(([k, v]) => `${k}=${shortValue(v)} ${shortName(k)}=${shortValue(v)}`),
      `seed=${t.seed}`,
      t.worker ?? "",
      t.error ?? "",
    ]
      .join(" ")
      .toLowerCase();
    return terms.every((term) => {
      const colon = term.indexOf(":");
      const field = colon > 0 ? FIELDS[term.slice(0, colon)] : undefined;
      if (field)
        return field(t)
          .toLowerCase()
          .startsWith(term.slice(colon + 1));
      return hay.includes(term);
    });
  });
}

/** The page asked for: filter, sort, then `limit` trials from `offset` (clamped to the last page). */
export function pageOf(
  trials: readonly TrialInfo[],
  query: { offset: number; limit: number; sort: SortKey; reverse: boolean; filter: string },
  ctx: { tasks: readonly TaskInfo[]; objectiveDirections: readonly ("max" | "min")[] },
): TrialPage {
  const listed = sortTrials(filterTrials(trials, query.filter), query.sort, ctx, query.reverse);
  const offset = Math.max(0, Math.min(query.offset, listed.length - 1));
  return {
    items: listed.slice(offset, offset + query.limit),
    offset,
    total: listed.length,
    sort: query.sort,
    reverse: query.reverse,
    filter: query.filter,
  };
}
