/**
 * describeDataset: a dataset's outputs (and features, samples) from its spec, without loading
 * it: generated datasets compute them from their options, csv reads only the header and first
 * rows (inside the data folders).
 */
import { closestName, type DatasetSpec, formatIssues, InputError } from "@mtl/spec";
import { splitDataset } from "../data/split.ts";
import type { DatasetDescription } from "../data/types.ts";
import { catalog } from "./catalog.ts";

export type { DatasetDescription };

/** Where a description may read files: `baseDir` (the experiment's folder) first, then `dataDirs`. */
export interface DescribeContext {
  baseDir?: string;
  dataDirs: readonly string[];
  signal?: AbortSignal;
}

export function dataDirsOf(ctx: DescribeContext): string[] {
  return [...new Set([...(ctx.baseDir ? [ctx.baseDir] : []), ...ctx.dataDirs])];
}

/**
 * Describes the dataset of `spec` (name and options as in an experiment). Rejects with an
 * InputError naming the field for an unknown dataset or bad options, and with the dataset's own
 * error for data it cannot read.
 */
export async function describeDataset(
  spec: Pick<DatasetSpec, "name"> & { options?: Record<string, unknown>; seed?: number },
  ctx: DescribeContext,
): Promise<DatasetDescription> {
  const entry = catalog.datasets.get(spec.name);
  if (!entry) {
    const near = closestName(spec.name, [...catalog.datasets.keys()]);
    throw new InputError(
      `dataset.name: unknown dataset "${spec.name}"${near ? ` — did you mean "${near}"?` : ""}`,
    );
  }
  const parsed = entry.module.options.safeParse(spec.options ?? {});
  if (!parsed.success)
    throw new InputError(
      `invalid options for dataset "${spec.name}"`,
      formatIssues(parsed.error).map((i) => `dataset.options.${i}`),
    );
  const context = { dataDirs: dataDirsOf(ctx), ...(ctx.signal ? { signal: ctx.signal } : {}) };
  if (entry.module.describe) return entry.module.describe(parsed.data, context);
  // A module without describe(): load it and look.
  const data = splitDataset(
    await entry.module.load(parsed.data, { ...context, seed: spec.seed ?? 0 }),
    { val: 0, test: 0 },
    0,
  );
  return {
    kind: entry.kind,
    outputs: Object.entries(data.train.targets).map(([name, t]) =>
      t.kind === "classification" ? { name, kind: t.kind, classes: t.classes } : { name, kind: t.kind },
    ),
    samples: data.train.n,
    inputShape: data.inputShape,
  };
}
