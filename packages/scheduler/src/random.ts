/**
 * Random search: independent draws from each parameter's prior (uniform, log-uniform, uniform
 * over int steps, uniform over choices, Dirichlet(α) or a uniformly chosen grid point on the
 * simplex). When the whole space is finite and small, random search samples it without
 * replacement (a seeded shuffle of every configuration), so it never repeats itself and knows
 * when it is exhausted.
 */
import type { ParamValue, Rng } from "@mtl/spec";
import { enumerate, enumerationSize, intCount } from "./grid.ts";
import { dirichlet, simplexGrid, simplexGridSize } from "./simplex.ts";
import { type Dim, dimsOf, type Space } from "./space.ts";

/** Spaces with at most this many configurations are shuffled and sampled without replacement. */
export const FINITE_LIMIT = 100_000;

/** One draw from a parameter's prior. */
export function drawValue(dim: Dim, rng: Rng): ParamValue {
  switch (dim.kind) {
    case "choice":
      return dim.values[rng.int(dim.values.length)]!;
    case "uniform":
      return dim.low + rng.float() * (dim.high - dim.low);
    case "loguniform":
      return Math.exp(Math.log(dim.low) + rng.float() * (Math.log(dim.high) - Math.log(dim.low)));
    case "int":
      return dim.low + dim.step * rng.int(intCount(dim));
    case "simplex":
      if (dim.samples !== undefined || dim.resolution === undefined)
        return dirichlet(dim.tasks, dim.concentration, rng);
      return simplexGrid(dim.tasks, dim.resolution)[
        rng.int(simplexGridSize(dim.tasks.length, dim.resolution))
      ]!;
  }
}

/** One random configuration: a strategy chosen uniformly, then every parameter it has. */
export function drawConfig(space: Space, rng: Rng): Record<string, ParamValue> {
  const arm = space.arms[rng.int(space.arms.length)]!;
  const out: Record<string, ParamValue> = { strategy: arm.label };
  for (const dim of dimsOf(space, arm)) out[dim.key] = drawValue(dim, rng);
  return out;
}

/** The values a parameter can take when there are finitely many, else undefined. */
export function finiteValues(dim: Dim): readonly ParamValue[] | undefined {
  switch (dim.kind) {
    case "choice":
      return dim.values;
    case "int":
      return intCount(dim) <= FINITE_LIMIT
        ? Array.from({ length: intCount(dim) }, (_, i) => dim.low + i * dim.step)
        : undefined;
    case "simplex":
      return dim.samples === undefined &&
        dim.resolution !== undefined &&
        simplexGridSize(dim.tasks.length, dim.resolution) <= FINITE_LIMIT
        ? simplexGrid(dim.tasks, dim.resolution)
        : undefined;
    default:
      return dim.low === dim.high ? [dim.low] : undefined;
  }
}

/** Every configuration of a finite space (≤ FINITE_LIMIT), else undefined. */
export function finiteConfigs(space: Space): Record<string, ParamValue>[] | undefined {
  const size = enumerationSize(space, (d) => finiteValues(d)?.length ?? Number.POSITIVE_INFINITY);
  if (!(size <= FINITE_LIMIT)) return undefined;
  return enumerate(space, (d) => finiteValues(d)!);
}
