/**
 * Multivariate Parzen estimators for TPE: a mixture of product kernels, one per observation plus
 * a wide prior component. Parameters are encoded as
 * - numbers (uniform, loguniform, int) → u ∈ [0, 1], truncated Gaussian kernels;
 * - choices → an index, kernels that keep the observed value with probability 1 − ε(K−1)/K;
 * - simplex weights → unit-simplex coordinates p, isotropic Gaussian kernels in the simplex plane.
 * Product kernels over all parameters of a group (rather than one estimator per parameter) let
 * TPE see interactions, as in Falkner et al. (BOHB, 2018) and Optuna's multivariate TPE.
 */
import type { ParamValue, Rng } from "@mtl/spec";
import { intCount } from "./grid.ts";
import { fromUnit, snapToGrid, toUnit } from "./simplex.ts";
import type { Dim } from "./space.ts";

/** An encoded parameter value: a number (u or index) or unit-simplex coordinates. */
export type Coord = number | number[];

/** How one parameter is encoded. `values` for categorical ones (choices, strategy labels). */
export type Axis =
  | { kind: "num"; key: string; dim: Dim & { kind: "uniform" | "loguniform" | "int" } }
  | { kind: "cat"; key: string; values: readonly ParamValue[] }
  | { kind: "simplex"; key: string; dim: Dim & { kind: "simplex" } };

export function axisOf(dim: Dim): Axis {
  switch (dim.kind) {
    case "choice":
      return { kind: "cat", key: dim.key, values: dim.values };
    case "simplex":
      return { kind: "simplex", key: dim.key, dim };
    default:
      return { kind: "num", key: dim.key, dim };
  }
}

function numRange(dim: Dim & { kind: "uniform" | "loguniform" | "int" }): [number, number] {
  if (dim.kind === "loguniform") return [Math.log(dim.low), Math.log(dim.high)];
  // An int's cells are [v − step/2, v + step/2], so every value gets the same share of [0, 1].
  if (dim.kind === "int") return [dim.low - dim.step / 2, dim.high + dim.step / 2];
  return [dim.low, dim.high];
}

/** Encodes a value; undefined when it does not belong to the axis (e.g. a space that changed). */
export function encode(axis: Axis, value: ParamValue | undefined): Coord | undefined {
  if (value === undefined) return undefined;
  switch (axis.kind) {
    case "cat": {
      const s = JSON.stringify(value);
      const i = axis.values.findIndex((v) => JSON.stringify(v) === s);
      return i >= 0 ? i : undefined;
    }
    case "simplex":
      return typeof value === "object" && value !== null ? toUnit(axis.dim.tasks, value) : undefined;
    case "num": {
      if (typeof value !== "number") return undefined;
      const [lo, hi] = numRange(axis.dim);
      const x = axis.dim.kind === "loguniform" ? Math.log(value) : value;
      return hi === lo ? 0.5 : Math.min(1, Math.max(0, (x - lo) / (hi - lo)));
    }
  }
}

/** Decodes to a parameter value, snapping ints to their steps and simplex grids to their points. */
export function decode(axis: Axis, c: Coord): ParamValue {
  switch (axis.kind) {
    case "cat":
      return axis.values[c as number]!;
    case "simplex": {
      const d = axis.dim;
      if (d.samples === undefined && d.resolution !== undefined)
        return snapToGrid(d.tasks, c as number[], d.resolution);
      return fromUnit(d.tasks, c as number[]);
    }
    case "num": {
      const d = axis.dim;
      const [lo, hi] = numRange(d);
      const x = lo + (c as number) * (hi - lo);
      if (d.kind === "loguniform") return Math.min(d.high, Math.max(d.low, Math.exp(x)));
      if (d.kind === "int") {
        const k = Math.min(intCount(d) - 1, Math.max(0, Math.round((x - d.low) / d.step)));
        return d.low + k * d.step;
      }
      return Math.min(d.high, Math.max(d.low, x));
    }
  }
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const PRIOR_SIGMA = 1;

/** Bandwidth in encoded units: Scott-like n^(−1/(d+4)) shrinkage from 0.2 of the range, floored. */
export function bandwidth(n: number, dims: number): number {
  return Math.max(0.2 * (n + 1) ** (-1 / (dims + 4)), 0.02);
}

export class Parzen {
  private readonly sigma: number;
  private readonly eps: number;

  constructor(
    private readonly axes: readonly Axis[],
    private readonly centers: readonly Coord[][],
  ) {
    this.sigma = bandwidth(centers.length, axes.length);
    this.eps = Math.min(1, 2.5 * this.sigma);
  }

  /** Draws a point: a component chosen uniformly (the prior is one of n + 1), then its kernel. */
  sample(rng: Rng): Coord[] {
    const i = rng.int(this.centers.length + 1);
    const center = this.centers[i];
    return this.axes.map((axis, d) =>
      center ? this.kernelSample(axis, center[d]!, rng) : priorSample(axis, rng),
    );
  }

  logPdf(x: readonly Coord[]): number {
    const terms = this.centers.map((c) =>
      this.axes.reduce((acc, axis, d) => acc + this.kernelLog(axis, c[d]!, x[d]!), 0),
    );
    terms.push(this.axes.reduce((acc, axis, d) => acc + priorLog(axis, x[d]!), 0));
    return logSumExp(terms) - Math.log(terms.length);
  }

  private kernelSample(axis: Axis, c: Coord, rng: Rng): Coord {
    switch (axis.kind) {
      case "cat":
        return rng.float() < this.eps ? rng.int(axis.values.length) : c;
      case "num":
        return truncatedNormal(c as number, this.sigma, rng);
      case "simplex": {
        const p = c as number[];
        const z = p.map(() => rng.normal());
        const mz = z.reduce((a, b) => a + b, 0) / z.length;
        const y = p.map((v, i) => Math.max(0, v + this.sigma * (z[i]! - mz)));
        const s = y.reduce((a, b) => a + b, 0);
        return s > 0 ? y.map((v) => v / s) : p.map(() => 1 / p.length);
      }
    }
  }

  private kernelLog(axis: Axis, c: Coord, x: Coord): number {
    switch (axis.kind) {
      case "cat": {
        const K = axis.values.length;
        return Math.log(c === x ? 1 - (this.eps * (K - 1)) / K : this.eps / K);
      }
      case "num":
        return truncatedNormalLog(x as number, c as number, this.sigma);
      case "simplex":
        return simplexGaussianLog(x as number[], c as number[], this.sigma);
    }
  }
}

function priorSample(axis: Axis, rng: Rng): Coord {
  switch (axis.kind) {
    case "cat":
      return rng.int(axis.values.length);
    case "num":
      return truncatedNormal(0.5, PRIOR_SIGMA, rng);
    case "simplex": {
      // Uniform on the simplex (Dirichlet(1)): exponential spacings normalised.
      const e = axis.dim.tasks.map(() => -Math.log(1 - rng.float()));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    }
  }
}

function priorLog(axis: Axis, x: Coord): number {
  switch (axis.kind) {
    case "cat":
      return -Math.log(axis.values.length);
    case "num":
      return truncatedNormalLog(x as number, 0.5, PRIOR_SIGMA);
    case "simplex": {
      // Uniform density on the (T−1)-simplex, whose volume in its plane is √T/(T−1)!.
      const T = axis.dim.tasks.length;
      let logFact = 0;
      for (let i = 2; i < T; i++) logFact += Math.log(i);
      return logFact - 0.5 * Math.log(T);
    }
  }
}

function truncatedNormal(mu: number, sigma: number, rng: Rng): number {
  for (let i = 0; i < 32; i++) {
    const x = mu + sigma * rng.normal();
    if (x >= 0 && x <= 1) return x;
  }
  return Math.min(1, Math.max(0, mu));
}

function truncatedNormalLog(x: number, mu: number, sigma: number): number {
  const z = (x - mu) / sigma;
  const mass = normalCdf((1 - mu) / sigma) - normalCdf(-mu / sigma);
  return -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma) - Math.log(Math.max(mass, 1e-300));
}

function simplexGaussianLog(x: readonly number[], c: readonly number[], sigma: number): number {
  let d2 = 0;
  for (let i = 0; i < x.length; i++) d2 += (x[i]! - c[i]!) ** 2;
  return -d2 / (2 * sigma * sigma) - (x.length - 1) * (LOG_SQRT_2PI + Math.log(sigma));
}

/** Φ via erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

export function logSumExp(xs: readonly number[]): number {
  const m = Math.max(...xs);
  if (!Number.isFinite(m)) return m;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}
