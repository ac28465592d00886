/**
 * What a sweep's parameters did: each finished trial's objective next to the values it was run
 * with, and how much of the objective's variance each parameter explains on its own.
 *
 * Importance is a one-way variance decomposition (the correlation ratio of an ANOVA): the trials
 * are grouped by the parameter's value (a continuous parameter into up to five bins of equal
 * count, on a log scale where the space is log-uniform), and the share of the objective's
 * variance between the groups is reported as ε² = (SS_between − (k−1)·MS_within) / (SS_total +
 * MS_within), the less biased form of η² (Okada 2013), clipped at 0. It measures main effects
 * only: what a parameter does through another one (an interaction) is not credited, so the
 * shares need not add up to 1. fANOVA (Hutter et al. 2014) would credit interactions too, at the
 * cost of a random forest; for the tens to hundreds of trials of a sweep here the one-way view is
 * the one that can be read off the data directly.
 */
import { objectiveOf } from "@mtl/scheduler";
import { type Experiment, isSingleTask } from "@mtl/spec";
import { onSplit, type Split } from "./compare.ts";
import { fmtValue } from "./format.ts";
import type { TrialRecord } from "./records.ts";
import { mean } from "./stats.ts";
import { shortName, strategyLabel } from "./variant.ts";

/** A swept parameter as the plots use it. */
export interface SweptParam {
  /** The key in the trials' params (weights become one `λ.<task>` per task). */
  key: string;
  /** Short display name ("lr", "λ.task1"). */
  label: string;
  kind: "linear" | "log" | "category";
  /** The value of each scored trial (aligned with {@link Scored.trials}); null when it has none. */
  values: (number | string | null)[];
}

/** The multi-task trials with an objective, in the order they finished. */
export interface Scored {
  trials: TrialRecord[];
  /** The scalar objective of each (the value itself for one objective; the mean with "min" ones negated for several). */
  score: number[];
  /** The objective values of each, one per name. */
  values: number[][];
  names: string[];
  /** Which way the scalar is better. */
  direction: "max" | "min";
  /** What the scalar is, in words. */
  scoreLabel: string;
  split: Split;
}

/** The sweep's multi-task trials that have an objective value on `split`, in the order they finished. */
export function scoredTrials(trials: readonly TrialRecord[], experiment: Experiment, split?: Split): Scored {
  const on = split ?? experiment.sweep.objective.split;
  const objective = objectiveOf(onSplit(experiment, on));
  const done = trials
    .filter((t) => !isSingleTask(t.config) && t.final)
    .map((t) => ({ t, v: objective.extract(t.final!) }))
    .filter((x): x is { t: TrialRecord; v: number[] } => x.v !== undefined)
    .sort(
      (a, b) =>
        (a.t.finishedAt ?? 0) - (b.t.finishedAt ?? 0) || (a.t.number ?? a.t.id) - (b.t.number ?? b.t.id),
    );
  const single = objective.names.length === 1;
  return {
    trials: done.map((x) => x.t),
    values: done.map((x) => x.v),
    score: done.map((x) => objective.scalar(x.v)),
    names: objective.names,
    direction: objective.scalarDirection,
    scoreLabel: single
      ? `${objective.names[0]} (${on})`
      : `mean of ${objective.names.join(", ")} (${on}; lower-is-better ones negated)`,
    split: on,
  };
}

/** The parameters that take two or more values over `trials`, with the kind the space gives them. */
export function sweptParams(trials: readonly TrialRecord[], experiment: Experiment): SweptParam[] {
  const keys = new Set<string>();
  for (const t of trials) for (const k of Object.keys(t.params)) keys.add(k);
  const out: SweptParam[] = [];
  for (const key of keys) {
    const raw = trials.map((t) => t.params[key]);
    if (raw.some((v) => v && typeof v === "object" && !Array.isArray(v))) {
      // Task weights: one axis per task, as the share of the total weight.
      const tasks = experiment.tasks.map((x) => x.name);
      // Two tasks' shares add up to 1: the first one says it all.
      for (const task of tasks.length === 2 ? tasks.slice(0, 1) : tasks) {
        const values = raw.map((v) => {
          const w = v as Record<string, number> | undefined;
          if (!w) return null;
          const sum = tasks.reduce((s, n) => s + (w[n] ?? 1), 0);
          return sum > 0 ? (w[task] ?? 1) / sum : null;
        });
        if (new Set(values).size > 1)
          out.push({ key: `${key}.${task}`, label: `λ ${task} share`, kind: "linear", values });
      }
      continue;
    }
    if (key === "strategy") {
      // The strategy with its options: mgda and mgda{ub=true} are two values.
      const values = trials.map((t) =>
        strategyLabel({ config: t.config, method: t.config.strategy.name, isBaseline: false }),
      );
      if (new Set(values).size > 1) out.push({ key, label: "strategy", kind: "category", values });
      continue;
    }
    const space = experiment.space[key];
    const numeric = raw.every((v) => v === undefined || typeof v === "number");
    const kind: SweptParam["kind"] =
      space?.kind === "loguniform" && numeric
        ? "log"
        : (space?.kind === "uniform" || space?.kind === "int") && numeric
          ? "linear"
          : "category";
    const values = raw.map((v) =>
      v === undefined ? null : kind === "category" ? fmtValue(v) : (v as number),
    );
    if (new Set(values).size > 1) out.push({ key, label: shortName(key), kind, values });
  }
  return out;
}

/** Groups of a parameter's values: categories as they are, numbers into up to `bins` bins of equal count. */
export function groupsOf(p: SweptParam, bins = 5): (string | null)[] {
  if (p.kind === "category") return p.values.map((v) => (v === null ? null : String(v)));
  const nums = p.values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  const distinct = [...new Set(nums)].sort((a, b) => a - b);
  if (distinct.length <= bins) return p.values.map((v) => (v === null ? null : String(v)));
  const sorted = [...nums].sort((a, b) => a - b);
  const edges = Array.from(
    { length: bins - 1 },
    (_, k) => sorted[Math.floor(((k + 1) * sorted.length) / bins)]!,
  );
  return p.values.map((v) => {
    if (typeof v !== "number" || !Number.isFinite(v)) return null;
    return `bin${edges.filter((e) => v >= e).length}`;
  });
}

/** One parameter's importance. */
export interface Importance {
  label: string;
  /** ε², the share of the objective's variance between the parameter's groups (≥ 0). */
  share: number;
  groups: number;
}

/** Trials needed before importance is worth showing. */
export const MIN_TRIALS_FOR_IMPORTANCE = 6;

/** ε² of each swept parameter for `score`, largest first; empty with fewer than six trials. */
export function importance(params: readonly SweptParam[], score: readonly number[]): Importance[] {
  if (score.length < MIN_TRIALS_FOR_IMPORTANCE) return [];
  const out: Importance[] = [];
  for (const p of params) {
    const g = groupsOf(p);
    const members = new Map<string, number[]>();
    g.forEach((k, i) => {
      const s = score[i];
      if (k === null || s === undefined || !Number.isFinite(s)) return;
      members.set(k, [...(members.get(k) ?? []), s]);
    });
    const all = [...members.values()].flat();
    const k = members.size;
    if (k < 2 || all.length <= k) continue;
    const m = mean(all);
    const ssTotal = all.reduce((s, x) => s + (x - m) ** 2, 0);
    const ssBetween = [...members.values()].reduce((s, xs) => s + xs.length * (mean(xs) - m) ** 2, 0);
    const msWithin = (ssTotal - ssBetween) / (all.length - k);
    const share = ssTotal > 0 ? Math.max(0, (ssBetween - (k - 1) * msWithin) / (ssTotal + msWithin)) : 0;
    out.push({ label: p.label, share, groups: k });
  }
  return out.sort((a, b) => b.share - a.share);
}
