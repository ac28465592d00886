/**
 * Configurations as the unit of judgement: seeds are replicates, so a configuration's result is
 * the mean over its completed seeds.
 */
import type { Direction, ParamValue } from "@mtl/spec";
import { crowding, paretoRanks } from "./pareto.ts";
import type { TrialHistory } from "./types.ts";

/** One configuration's results so far. */
export interface ConfigSummary {
  configKey: string;
  params: Record<string, ParamValue>;
  /** Seeds planned. */
  seeds: number[];
  /** Seeds completed with objective values. */
  completed: number;
  /** Mean over completed seeds, per objective; undefined before any completed seed. */
  values?: number[];
  /** Set when no seed completed but some were pruned: the furthest epoch reached and the values there. */
  pruned?: { epoch: number; values: number[] };
}

/** Groups the history by configKey, in plan order. */
export function summarizeConfigs(history: readonly TrialHistory[]): ConfigSummary[] {
  const byKey = new Map<string, { s: ConfigSummary; sums?: number[] }>();
  for (const h of history) {
    let entry = byKey.get(h.configKey);
    if (!entry) {
      entry = { s: { configKey: h.configKey, params: h.params, seeds: [], completed: 0 } };
      byKey.set(h.configKey, entry);
    }
    entry.s.seeds.push(h.seed);
    if (h.state === "completed" && h.values && h.values.length > 0) {
      entry.sums = entry.sums ? entry.sums.map((x, i) => x + (h.values![i] ?? Number.NaN)) : [...h.values];
      entry.s.completed += 1;
    } else if (h.state === "pruned" && h.curve && h.curve.length > 0) {
      const last = h.curve.reduce((a, b) => (b.epoch > a.epoch ? b : a));
      if (!entry.s.pruned || last.epoch > entry.s.pruned.epoch)
        entry.s.pruned = { epoch: last.epoch, values: last.values };
    }
  }
  return [...byKey.values()].map(({ s, sums }) => {
    if (sums) {
      const values = sums.map((x) => x / s.completed);
      const { pruned: _p, ...rest } = s;
      return values.every(Number.isFinite) ? { ...rest, values } : rest;
    }
    return s;
  });
}

/**
 * Orders configurations best first: completed ones by Pareto rank (a plain sort for one
 * objective) with crowding distance breaking ties inside a front, then pruned ones by how far
 * they got and the `scalar` of their last values. Configurations with neither are left out.
 */
export function rankConfigurations(
  summaries: readonly ConfigSummary[],
  directions: readonly Direction[],
  scalar: (values: readonly number[]) => number = (v) => v[0]!,
  scalarDirection: Direction = directions[0] ?? "max",
): ConfigSummary[] {
  const done = summaries.filter((s) => s.values !== undefined);
  const ranks = paretoRanks(done, (s) => s.values!, directions);
  const oriented = (s: ConfigSummary) => s.values!.map((v, i) => (directions[i] === "min" ? -v : v));
  const crowd = new Map<ConfigSummary, number>();
  for (const r of new Set(ranks)) {
    const front = done.filter((_, i) => ranks[i] === r);
    const c = crowding(front.map(oriented));
    front.forEach((s, i) => {
      crowd.set(s, c[i]!);
    });
  }
  const rankOf = new Map(done.map((s, i) => [s, ranks[i]!]));
  const sortedDone = [...done].sort((a, b) => {
    const dr = rankOf.get(a)! - rankOf.get(b)!;
    if (dr !== 0) return dr;
    if (directions.length === 1) return 0;
    return crowd.get(b)! - crowd.get(a)!;
  });
  const sign = scalarDirection === "max" ? -1 : 1;
  const pruned = summaries
    .filter((s) => s.values === undefined && s.pruned !== undefined)
    .sort(
      (a, b) =>
        b.pruned!.epoch - a.pruned!.epoch || sign * (scalar(a.pruned!.values) - scalar(b.pruned!.values)),
    );
  return [...sortedDone, ...pruned];
}
