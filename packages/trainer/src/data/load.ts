/**
 * Loads and splits a dataset, cached per thread: the trials of a sweep share their data, and
 * generating or parsing it (MNIST: ~20 MB of JSON) should happen once per worker.
 */
import type { DatasetSpec } from "@mtl/spec";
import { datasets } from "./registry.ts";
import { splitDataset } from "./split.ts";
import type { DatasetContext, SplitDataset } from "./types.ts";

const CACHE_SIZE = 4;
const cache = new Map<string, Promise<SplitDataset>>();

/** Loads and splits the dataset of `spec`, reading files only from `ctx.dataDirs`. */
export function loadDataset(
  spec: DatasetSpec,
  ctx: Omit<DatasetContext, "seed"> = { dataDirs: [] },
): Promise<SplitDataset> {
  // Validate before the cache so that bad options always reject with their own message.
  const { item, options } = datasets.resolve(spec.name, spec.options);
  const key = JSON.stringify([spec.name, options, spec.seed, spec.split, ctx.dataDirs]);
  let hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const context: DatasetContext = { ...ctx, seed: spec.seed };
  hit = (async () => splitDataset(await item.load(options, context), spec.split, spec.seed))();
  hit.catch(() => cache.delete(key));
  cache.set(key, hit);
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return hit;
}
