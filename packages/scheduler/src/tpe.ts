/**
 * Tree-structured Parzen Estimator (Bergstra et al., "Algorithms for Hyper-Parameter
 * Optimization", NeurIPS 2011), multivariate, with conditional parameters and several objectives.
 *
 * Each proposal: configurations with results are ordered best first (`rankConfigurations`: one
 * objective sorts by value; several sort by non-dominated rank and crowding distance, as in MOTPE,
 * Ozaki et al. 2020; pruned configurations come last, the furthest-trained first). The best
 * γ = 25% are "good", the rest "bad"; l(x) and g(x) are Parzen estimators over each set, and of 24
 * candidates drawn from l the one maximising l(x)/g(x) is proposed.
 *
 * Conditional parameters: the strategy and the common parameters are modelled together on all
 * configurations; a strategy's own parameters (e.g. `gradnorm.alpha`) are then modelled on that
 * strategy's configurations only, with the same good/bad labels.
 *
 * Until `startupTrials` configurations have results, proposals are random draws. Only completed
 * and pruned trials count; running ones give no information (parallel proposals differ through
 * their random streams). Baselines are not observations.
 */
import type { Experiment, ParamValue } from "@mtl/spec";
import { type Rng, rngStream as stream } from "@mtl/spec";
import { rankConfigurations, summarizeConfigs } from "./history.ts";
import { objectiveOf } from "./objective.ts";
import { type Axis, axisOf, type Coord, decode, encode, Parzen } from "./parzen.ts";
import { drawConfig, finiteConfigs } from "./random.ts";
import { isBaseline } from "./resolve.ts";
import type { Proposer } from "./sampler.ts";
import type { Arm, Space } from "./space.ts";

/** Share of ranked configurations that model l(x). */
export const TPE_GAMMA = 0.25;
/** Candidates drawn from l(x) per proposal. */
export const TPE_CANDIDATES = 24;

/** Random configurations before TPE models: a quarter of the budget, between 4 and 10. */
export function startupTrials(maxConfigs: number): number {
  return Math.min(10, Math.max(4, Math.ceil(maxConfigs / 4)));
}

interface Observation {
  params: Record<string, ParamValue>;
  good: boolean;
}

export function createTpe(experiment: Experiment, space: Space, maxTrials: number): Proposer {
  const objective = objectiveOf(experiment);
  const seed = experiment.sweep.seed;
  const startup = startupTrials(Math.floor(maxTrials / experiment.seeds.length));
  const labelAxis: Axis | undefined =
    space.arms.length > 1
      ? { kind: "cat", key: "strategy", values: space.arms.map((a) => a.label) }
      : undefined;
  const mainAxes: Axis[] = [...(labelAxis ? [labelAxis] : []), ...space.common.map(axisOf)];
  const armAxes = new Map<string, Axis[]>(space.arms.map((a) => [a.label, a.conditional.map(axisOf)]));
  let finite: Record<string, ParamValue>[] | null | undefined = null;
  const finiteList = () => {
    if (finite === null)
      finite = finiteConfigs(space) ? stream(seed, "tpe-order").shuffle(finiteConfigs(space)!) : undefined;
    return finite;
  };

  return (ctx) => {
    const rng = stream(seed, "tpe", ctx.index);
    const summaries = summarizeConfigs(ctx.history.filter((h) => !isBaseline(experiment, h.params)));
    const ranked = rankConfigurations(
      summaries,
      objective.directions,
      objective.scalar,
      objective.scalarDirection,
    );

    let picked: Record<string, ParamValue> | undefined;
    if (ranked.length >= startup) {
      const nGood = Math.max(1, Math.ceil(TPE_GAMMA * ranked.length));
      const obs: Observation[] = ranked.map((s, i) => ({ params: s.params, good: i < nGood }));
      picked = propose(space, mainAxes, armAxes, obs, rng, ctx.isPlanned);
    }
    if (!picked) {
      for (let i = 0; i < 64 && !picked; i++) {
        const p = drawConfig(space, rng);
        if (!ctx.isPlanned(p)) picked = p;
      }
    }
    // A small finite space can run out of fresh random draws before it runs out of points.
    return picked ?? finiteList()?.find((p) => !ctx.isPlanned(p));
  };
}

function propose(
  space: Space,
  mainAxes: readonly Axis[],
  armAxes: ReadonlyMap<string, Axis[]>,
  obs: readonly Observation[],
  rng: Rng,
  isPlanned: (p: Record<string, ParamValue>) => boolean,
): Record<string, ParamValue> | undefined {
  const main = bestCandidates(mainAxes, obs, rng);
  const perArm = new Map<string, Record<string, ParamValue>[]>();
  for (const m of main) {
    const label = space.arms.length > 1 ? (m.strategy as string) : space.arms[0]!.label;
    const arm = space.arms.find((a) => a.label === label) as Arm;
    let conds = perArm.get(label);
    if (!conds) {
      const axes = armAxes.get(label)!;
      conds =
        axes.length === 0
          ? [{}]
          : bestCandidates(
              axes,
              obs.filter((o) => o.params.strategy === label),
              rng,
            );
      perArm.set(label, conds);
    }
    for (const c of conds) {
      const params = { ...m, strategy: arm.label, ...c };
      if (!isPlanned(params)) return orderKeys(space, arm, params);
    }
  }
  return undefined;
}

/** Candidates drawn from l, best l/g first. */
function bestCandidates(
  axes: readonly Axis[],
  obs: readonly Observation[],
  rng: Rng,
): Record<string, ParamValue>[] {
  const good: Coord[][] = [];
  const bad: Coord[][] = [];
  for (const o of obs) {
    const x = axes.map((a) => encode(a, o.params[a.key]));
    if (x.some((c) => c === undefined)) continue;
    (o.good ? good : bad).push(x as Coord[]);
  }
  const l = new Parzen(axes, good);
  const g = new Parzen(axes, bad);
  const scored: { params: Record<string, ParamValue>; score: number }[] = [];
  for (let i = 0; i < TPE_CANDIDATES; i++) {
    const raw = l.sample(rng);
    const params: Record<string, ParamValue> = {};
    axes.forEach((a, d) => {
      params[a.key] = decode(a, raw[d]!);
    });
    // Score the decoded point (ints and simplex grids snapped), which is what would run.
    const x = axes.map((a) => encode(a, params[a.key])!);
    scored.push({ params, score: l.logPdf(x) - g.logPdf(x) });
  }
  // Stable: equal scores keep draw order, so the result is deterministic.
  return scored.sort((a, b) => b.score - a.score).map((s) => s.params);
}

/** Same key order as random and grid proposals (strategy, common, conditional), for tidy params. */
function orderKeys(space: Space, arm: Arm, params: Record<string, ParamValue>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = { strategy: arm.label };
  for (const d of [...space.common, ...arm.conditional]) out[d.key] = params[d.key]!;
  return out;
}
