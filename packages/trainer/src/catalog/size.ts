/**
 * datasetSize: how big a dataset of a trial would be, from its options alone (nothing generated
 * or read), so that a worker can refuse a trial over its limits before it loads anything. The
 * generated datasets name their sample count `n_samples` and their width `n_features` or `dim`;
 * the MNIST datasets are 28×28 images. A csv file's size is bounded where it is read.
 */
import type { DatasetSpec } from "@mtl/spec";

export interface DatasetSize {
  samples?: number;
  inputSize?: number;
}

export function datasetSize(spec: Pick<DatasetSpec, "name" | "options">): DatasetSize {
  const o = spec.options ?? {};
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  const inputSize = num(o.n_features) ?? num(o.dim) ?? (spec.name.includes("mnist") ? 784 : undefined);
  const samples = num(o.n_samples);
  return {
    ...(samples !== undefined ? { samples } : {}),
    ...(inputSize !== undefined ? { inputSize } : {}),
  };
}
