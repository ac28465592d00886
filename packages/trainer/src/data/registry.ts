/** The dataset registry of this thread (datasets need no TensorFlow.js: see builtins.ts). */
import { BUILTIN_DATASETS } from "../builtins.ts";
import { Registry } from "../registry.ts";
import type { DatasetModule } from "./types.ts";

export const datasets = new Registry<DatasetModule>("dataset");
for (const d of BUILTIN_DATASETS) datasets.register(d);
