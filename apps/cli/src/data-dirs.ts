import { dirname, isAbsolute, resolve } from "node:path";
import type { Experiment } from "@mtl/spec";

/**
 * The folders the embedded run's workers may read data from: the experiment file's folder (first:
 * relative data paths resolve against it) and the folders of the data files it names, in its
 * dataset options or as values of `dataset.*` search-space keys. A worker on the wire gets only
 * the folders given to it (`mtl worker --data-dir`).
 */
export function embeddedDataDirs(experiment: Experiment, file: string): string[] {
  const base = dirname(file);
  const named: string[] = [];
  const add = (value: unknown) => {
    if (typeof value === "string" && value !== "")
      named.push(dirname(isAbsolute(value) ? value : resolve(base, value)));
  };
  add(experiment.dataset.options.path);
  for (const [key, p] of Object.entries(experiment.space))
    if (key === "dataset.path" && p.kind === "choice") p.values.forEach(add);
  return [...new Set([base, ...named])];
}
