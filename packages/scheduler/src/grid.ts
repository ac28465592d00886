/**
 * Grid points of each parameter and the cartesian product of a space.
 *
 * Continuous parameters get a small default grid rather than an error, so that adding
 * `learningRate: loguniform(1e-4, 1e-2)` to a grid sweep does something sensible:
 * - `uniform(lo, hi)` → 3 points: lo, midpoint, hi;
 * - `loguniform(lo, hi)` → 3 points: lo, geometric midpoint, hi;
 * - `int(lo, hi, step)` → every value when there are at most 10, else 3 (lo, middle, hi on the step grid);
 * - `simplex` → the regular grid at `resolution`, else the `samples` Dirichlet points (fixed by the sweep seed);
 * - `choice` → its values.
 * Use `choice([...])` for any other set of points.
 */
import type { ParamValue } from "@mtl/spec";
import { rngStream as stream } from "@mtl/spec";
import { dirichlet, round12, simplexGrid } from "./simplex.ts";
import type { Arm, Dim, Space } from "./space.ts";

/** Points per continuous parameter in a grid sweep. */
export const GRID_POINTS = 3;
/** An int parameter with at most this many values is enumerated in full by the grid. */
export const GRID_MAX_INT_VALUES = 10;

/** The grid points of one parameter. */
export function gridValues(dim: Dim, sweepSeed: number): ParamValue[] {
  switch (dim.kind) {
    case "choice":
      return dim.values;
    case "uniform":
      return spread(dim.low, dim.high, (lo, hi, t) => lo + t * (hi - lo));
    case "loguniform":
      return spread(dim.low, dim.high, (lo, hi, t) =>
        Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo))),
      );
    case "int": {
      const count = intCount(dim);
      if (count <= GRID_MAX_INT_VALUES)
        return Array.from({ length: count }, (_, i) => dim.low + i * dim.step);
      const picks = [0, Math.round((count - 1) / 2), count - 1];
      return picks.map((i) => dim.low + i * dim.step);
    }
    case "simplex":
      if (dim.resolution !== undefined) return simplexGrid(dim.tasks, dim.resolution);
      return Array.from({ length: dim.samples ?? 1 }, (_, i) =>
        dirichlet(dim.tasks, dim.concentration, stream(sweepSeed, `simplex:${dim.key}`, i)),
      );
  }
}

function spread(lo: number, hi: number, at: (lo: number, hi: number, t: number) => number): number[] {
  if (lo === hi) return [lo];
  return Array.from({ length: GRID_POINTS }, (_, i) => round12(at(lo, hi, i / (GRID_POINTS - 1))));
}

/** Number of values of an int parameter. */
export function intCount(dim: { low: number; high: number; step: number }): number {
  return Math.floor((dim.high - dim.low) / dim.step) + 1;
}

/** Cartesian product of the dims' values; the first dim varies slowest. */
export function product(
  dims: readonly Dim[],
  valuesOf: (d: Dim) => readonly ParamValue[],
): Record<string, ParamValue>[] {
  let out: Record<string, ParamValue>[] = [{}];
  for (const dim of dims) {
    const values = valuesOf(dim);
    const next: Record<string, ParamValue>[] = [];
    for (const partial of out) for (const v of values) next.push({ ...partial, [dim.key]: v });
    out = next;
  }
  return out;
}

/**
 * Every configuration of the space: for each point of the common parameters, each strategy in
 * the experiment's order with each point of its own (conditional) parameters. Putting strategies
 * inside means a truncated grid still compares them at the same settings.
 */
export function enumerate(
  space: Space,
  valuesOf: (d: Dim) => readonly ParamValue[],
): Record<string, ParamValue>[] {
  const out: Record<string, ParamValue>[] = [];
  const perArm = new Map<Arm, Record<string, ParamValue>[]>(
    space.arms.map((arm) => [arm, product(arm.conditional, valuesOf)]),
  );
  for (const base of product(space.common, valuesOf))
    for (const arm of space.arms)
      for (const cond of perArm.get(arm)!) out.push({ strategy: arm.label, ...base, ...cond });
  return out;
}

/** Number of configurations `enumerate` would give, without building them. */
export function enumerationSize(space: Space, countOf: (d: Dim) => number): number {
  const prod = (dims: readonly Dim[]) => dims.reduce((acc, d) => acc * countOf(d), 1);
  return prod(space.common) * space.arms.reduce((acc, arm) => acc + prod(arm.conditional), 0);
}
