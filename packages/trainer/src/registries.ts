/** The three registries and their built-in modules. Adding a module: one file and one line here. */
import type { z } from "zod";
import { classification } from "./data/classification.ts";
import { correlatedRegression } from "./data/correlated-regression.ts";
import { csv } from "./data/csv.ts";
import { fewShotMnist } from "./data/few-shot-mnist.ts";
import { mnistMultitask } from "./data/mnist-multitask.ts";
import { sinusoid } from "./data/sinusoid.ts";
import type { DatasetModule } from "./data/types.ts";
import { distill } from "./meta/distill.ts";
import { fomaml, maml } from "./meta/maml.ts";
import { pretrainFinetune } from "./meta/pretrain-finetune.ts";
import { reptile } from "./meta/reptile.ts";
import { transfer } from "./meta/transfer.ts";
import { crossStitch } from "./models/cross-stitch.ts";
import { hardSharing } from "./models/hard-sharing.ts";
import { mmoe } from "./models/mmoe.ts";
import { logistic, singleTask } from "./models/single-task.ts";
import { softSharing } from "./models/soft-sharing.ts";
import type { ArchitectureModule } from "./models/types.ts";
import { Registry, type RegistryEntry } from "./registry.ts";
import { cagrad } from "./strategies/cagrad.ts";
import { dwa } from "./strategies/dwa.ts";
import { equal } from "./strategies/equal.ts";
import { fixed } from "./strategies/fixed.ts";
import { gls } from "./strategies/gls.ts";
import { gradnorm } from "./strategies/gradnorm.ts";
import { imtl } from "./strategies/imtl.ts";
import { mgda } from "./strategies/mgda.ts";
import { nashMtl } from "./strategies/nash-mtl.ts";
import { pcgrad } from "./strategies/pcgrad.ts";
import { rlw } from "./strategies/rlw.ts";
import type { StrategyModule } from "./strategies/types.ts";
import { uncertainty } from "./strategies/uncertainty.ts";

export const datasets = new Registry<DatasetModule>("dataset");
export const architectures = new Registry<ArchitectureModule>("architecture");
export const strategies = new Registry<StrategyModule>("strategy");

for (const d of [classification, correlatedRegression, mnistMultitask, csv])
  datasets.register(d as DatasetModule);
for (const a of [singleTask, logistic, hardSharing, softSharing, crossStitch, mmoe])
  architectures.register(a as ArchitectureModule);
for (const s of [fixed, equal, uncertainty, dwa, gradnorm, rlw, gls, pcgrad, mgda, cagrad, imtl, nashMtl])
  strategies.register(s as StrategyModule);
// Meta-learning, transfer and distillation (src/meta): task families and strategies with their own loop.
for (const d of [sinusoid, fewShotMnist]) datasets.register(d as unknown as DatasetModule);
for (const s of [maml, fomaml, reptile, pretrainFinetune, transfer, distill])
  strategies.register(s as unknown as StrategyModule);

/** Adds a dataset module (or replaces one of the same name) in this thread's registry. */
export function registerDataset<S extends z.ZodType>(module: DatasetModule<S>): void {
  datasets.register(module as unknown as DatasetModule);
}
export function registerArchitecture<S extends z.ZodType>(module: ArchitectureModule<S>): void {
  architectures.register(module as unknown as ArchitectureModule);
}
export function registerStrategy<S extends z.ZodType>(module: StrategyModule<S>): void {
  strategies.register(module as unknown as StrategyModule);
}

export const listDatasets = (): RegistryEntry[] => datasets.list();
export const listArchitectures = (): RegistryEntry[] => architectures.list();
export const listStrategies = (): RegistryEntry[] => strategies.list();
