/**
 * The one seeded random generator of MTL Lab (scheduler, trainer and analysis all draw from it).
 * Every stream is named, e.g. `rngStream("sweep", 7, "random", 3)` or `rng.fork("init")`, so a
 * draw never depends on how many draws came before it in another stream: that is what lets a
 * sweep's plan be recomputed from its history after a restart, and a trial's training be the same
 * on any worker. Nothing in MTL Lab uses Math.random.
 *
 * xoshiro128** (Blackman & Vigna), seeded through splitmix32 from the FNV-1a hash of the name.
 * Its whole state is four 32-bit words (`state()` / `Rng.restore`), so it can be checkpointed.
 */
import { fnv1a32 } from "./identity.ts";

export type RngState = readonly [number, number, number, number];

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** A generator seeded from a number (e.g. a trial seed) or a name. */
  constructor(seed: number | string) {
    let x = typeof seed === "number" ? seed >>> 0 : fnv1a32(seed);
    const split = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = split();
    this.s1 = split();
    this.s2 = split();
    this.s3 = split();
  }

  /** The generator's whole state, to save and `restore` (checkpoints). */
  state(): RngState {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** A generator that continues exactly where the one whose `state()` this was stopped. */
  static restore(state: RngState): Rng {
    const r = new Rng(0);
    [r.s0, r.s1, r.s2, r.s3] = state.map((w) => w >>> 0) as [number, number, number, number];
    return r;
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  float(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.float() * n));
  }

  /** Standard normal (Box–Muller; one value per call, so the state alone says where the stream is). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Gamma(shape, 1) by Marsaglia & Tsang (2000), boosted for shape < 1. */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * this.float() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.float();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Fisher–Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  /**
   * A new generator for a named purpose, independent of this one's future draws. It takes one
   * draw from this generator, so forks made in the same order from the same state are the same.
   */
  fork(label: string): Rng {
    return new Rng(`${label}\u0000${this.u32()}`);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The random stream named by `parts` (e.g. sweep seed, purpose, index), independent of all others. */
export function rngStream(...parts: readonly (string | number)[]): Rng {
  return new Rng(parts.map(String).join("\u0000"));
}
