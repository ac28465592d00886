/**
 * The built-in modules: one line each. No TensorFlow.js here — datasets are plain code, and
 * strategies and architectures are listed by their descriptors (*.info.ts), whose `load` imports
 * the implementation. The catalog (`@mtl/trainer/catalog`) reads these lists as they are; the
 * runtime registries (registries.ts) load the implementations from them.
 */
import { classification } from "./data/classification.ts";
import { correlatedRegression } from "./data/correlated-regression.ts";
import { csv } from "./data/csv.ts";
import { fewShotMnist } from "./data/few-shot-mnist.ts";
import { mnistMultitask } from "./data/mnist-multitask.ts";
import { sinusoid } from "./data/sinusoid.ts";
import type { DatasetModule } from "./data/types.ts";
import type { ArchitectureDescriptor, StrategyDescriptor } from "./descriptors.ts";
import { distillInfo } from "./meta/distill.info.ts";
import { fomamlInfo, mamlInfo } from "./meta/maml.info.ts";
import { pretrainFinetuneInfo } from "./meta/pretrain-finetune.info.ts";
import { reptileInfo } from "./meta/reptile.info.ts";
import { transferInfo } from "./meta/transfer.info.ts";
import { crossStitchInfo } from "./models/cross-stitch.info.ts";
import { hardSharingInfo } from "./models/hard-sharing.info.ts";
import { mmoeInfo } from "./models/mmoe.info.ts";
import { logisticInfo, singleTaskInfo } from "./models/single-task.info.ts";
import { softSharingInfo } from "./models/soft-sharing.info.ts";
import { cagradInfo } from "./strategies/cagrad.info.ts";
import { dwaInfo } from "./strategies/dwa.info.ts";
import { equalInfo } from "./strategies/equal.info.ts";
import { fixedInfo } from "./strategies/fixed.info.ts";
import { glsInfo } from "./strategies/gls.info.ts";
import { gradnormInfo } from "./strategies/gradnorm.info.ts";
import { imtlInfo } from "./strategies/imtl.info.ts";
import { mgdaInfo } from "./strategies/mgda.info.ts";
import { nashMtlInfo } from "./strategies/nash-mtl.info.ts";
import { pcgradInfo } from "./strategies/pcgrad.info.ts";
import { rlwInfo } from "./strategies/rlw.info.ts";
import { uncertaintyInfo } from "./strategies/uncertainty.info.ts";

export const BUILTIN_DATASETS = [
  classification,
  correlatedRegression,
  mnistMultitask,
  csv,
  // Task families (meta-learning); as plain datasets, their pooled data.
  sinusoid,
  fewShotMnist,
] as unknown as DatasetModule[];

export const BUILTIN_ARCHITECTURES = [
  singleTaskInfo,
  logisticInfo,
  hardSharingInfo,
  softSharingInfo,
  crossStitchInfo,
  mmoeInfo,
] as unknown as ArchitectureDescriptor[];

export const BUILTIN_STRATEGIES = [
  fixedInfo,
  equalInfo,
  uncertaintyInfo,
  dwaInfo,
  gradnormInfo,
  rlwInfo,
  glsInfo,
  pcgradInfo,
  mgdaInfo,
  cagradInfo,
  imtlInfo,
  nashMtlInfo,
  // Meta-learning, transfer and distillation (src/meta): strategies with their own loop.
  mamlInfo,
  fomamlInfo,
  reptileInfo,
  pretrainFinetuneInfo,
  transferInfo,
  distillInfo,
] as unknown as StrategyDescriptor[];
