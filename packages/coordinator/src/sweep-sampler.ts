/**
 * The sampler of a sweep, the one way every process creates it: with the trainer's catalog, so
 * that task weights are searched only for strategies that read them. The coordinator, `mtl run`'s
 * checks and progress, and `mtl compare --with-baselines` must plan alike, or a resumed sweep
 * would plan trials the first run did not (strategies unknown to the catalog — a program's own —
 * are taken to read task weights).
 */
import { createSampler, type Sampler } from "@mtl/scheduler";
import type { Experiment } from "@mtl/spec";
import { catalog } from "@mtl/trainer/catalog";

export function sweepSampler(experiment: Experiment): Sampler {
  return createSampler(experiment, { strategies: (name) => catalog.strategies.get(name) });
}
