/**
 * Everything about an experiment that can be known before a trial runs, checked before anything
 * is planned or written: the trainer's check of every name and option (with suggestions), the
 * search space (keys that are parameters, values that give valid trials), the worker limits the
 * trials would meet, and the backend asked for. Every problem is reported at once, one line each,
 * starting with its path.
 */
import { TrialMessage } from "@mtl/bus";
import { sweepSampler } from "@mtl/coordinator";
import {
  analyzeSpace,
  baselineParams,
  MODEL_KEYS,
  resolveConfig,
  SearchSpaceError,
  strategyLabels,
  TRAINING_KEYS,
  targetOf,
} from "@mtl/scheduler";
import {
  type BuiltinExperiment,
  builtinConfig,
  didYouMean,
  type Experiment,
  ExperimentSpec,
  InputError,
  isProgramTrial,
  methodOf,
  type Param,
  type ParamValue,
  type ProgramExperiment,
  type TrialConfig,
} from "@mtl/spec";
import { BACKENDS, catalog, checkExperiment, type Issue } from "@mtl/trainer/catalog";
import { describeOverLimit, overLimits, type WorkerLimits } from "@mtl/worker";
import { ExperimentSchemaError } from "./load-experiment.ts";

/** The option names a cataloged module takes, or undefined when the catalog has no such module. */
function optionNames(kind: "dataset" | "architecture" | "strategy", name: string): string[] | undefined {
  const entry = {
    dataset: catalog.datasets,
    architecture: catalog.architectures,
    strategy: catalog.strategies,
  }[kind].get(name);
  if (!entry) return undefined;
  return Object.keys((entry.options as unknown as { shape?: object }).shape ?? {});
}

export interface ValidateOptions {
  /** The experiment file's folder: relative data paths resolve against it. */
  baseDir: string;
  /** The folders data may be read from. */
  dataDirs: string[];
  /** The limits of the workers that will train the trials (embedded runs), if known. */
  limits?: WorkerLimits;
  /**
   * Where a program experiment's program comes from: `embedded` (this process runs it, so the
   * experiment's `programs` map must define it) or `workers` (NATS workers registered it).
   */
  programs?: "embedded" | "workers";
}

const line = (i: Issue) => `${i.path}: ${i.message}`;

/** Throws an InputError listing every problem of `experiment` (exit 2), or returns nothing. */
export async function assertValidExperiment(
  experiment: Experiment,
  file: string,
  options: ValidateOptions,
): Promise<void> {
  const problems = await experimentProblems(experiment, options);
  if (problems.length > 0)
    throw new InputError(
      `${file}: ${problems.length} problem${problems.length > 1 ? "s" : ""}, nothing was run or written:`,
      problems,
    );
}

/**
 * A schema error with the registry's problems of the rest of the file added (misspelt names and
 * options are found even where the file also has a field of the wrong type): every problem at once.
 */
export async function withNameProblems(
  error: unknown,
  options: (rest: { experiment: Experiment; path: string }) => ValidateOptions,
): Promise<never> {
  if (error instanceof ExperimentSchemaError && error.rest) {
    const more = await experimentProblems(error.rest.experiment, options(error.rest)).catch(() => []);
    if (more.length > 0) throw new InputError(error.message, [...error.details, ...more]);
  }
  throw error;
}

/** The space's arms with their keys; a space that cannot be analysed adds its problems instead. */
function spaceArms(experiment: Experiment, problems: string[]): Arm[] {
  try {
    const space = analyzeSpace(experiment);
    return space.arms.map((a) => ({
      label: a.label,
      keys: [...space.common, ...a.conditional].map((d) => [d.key, d] as [string, Param]),
    }));
  } catch (error) {
    if (!(error instanceof SearchSpaceError)) throw error;
    problems.push(...error.details);
    return [];
  }
}

/** Every problem of a (schema-valid) experiment, as `path: message` lines. */
export async function experimentProblems(
  experiment: Experiment,
  options: ValidateOptions,
): Promise<string[]> {
  if (experiment.kind === "program") return programProblems(experiment, options);
  const problems: string[] = [];
  // (experiment is a BuiltinExperiment from here on)
  const arms = spaceArms(experiment, problems);
  problems.push(...spaceKeyProblems(experiment));
  const configs = representativeConfigs(experiment, arms, problems);
  // Sizes before anything is described or loaded: a dataset of 1e10 samples must not be generated.
  if (options.limits) {
    const over = new Set<string>();
    const plain = new Set(
      configs.filter((c) => !c.what).flatMap((c) => limitProblems(c.config, options.limits!)),
    );
    for (const { what, config } of configs)
      for (const o of limitProblems(config, options.limits))
        if (!what || !plain.has(o)) over.add(what ? `${what}: ${o}` : o);
    if (over.size > 0) return [...problems, ...over];
  }
  const base = (await checkExperiment(experiment, options)).map(line);
  problems.push(...base);
  // The values of the space, each checked as the trial it gives, once the experiment itself is
  // sound (before, they would repeat its problems).
  if (problems.length > 0) return problems;
  const seen = new Set<string>();
  for (const { what, config } of configs) {
    if (!what) continue;
    for (const issue of (await checkExperiment(asExperiment(experiment, config), options)).map(line)) {
      const l = `${what}: ${issue}`;
      if (!seen.has(l)) problems.push(l);
      seen.add(l);
    }
  }
  return problems;
}

/**
 * The problems of a program's experiment. Its strategies, data and model are the program's own
 * (their names are data for it), so what can be checked here is the space (every value gives a
 * valid trial), the epochs the workers accept, and on this machine that the program is defined.
 */
function programProblems(experiment: ProgramExperiment, options: ValidateOptions): string[] {
  const problems: string[] = [];
  const arms = spaceArms(experiment, problems);
  const configs = representativeConfigs(experiment, arms, problems);
  if (options.limits)
    for (const { what, config } of configs)
      for (const o of limitProblems(config, options.limits)) problems.push(what ? `${what}: ${o}` : o);
  if (options.programs === "embedded") {
    const known = Object.keys(experiment.programs ?? {});
    if (!known.includes(experiment.program))
      problems.push(
        `trainer.program: no program "${experiment.program}" in the experiment's programs` +
          (known.length
            ? ` (${known.join(", ")})${didYouMean(experiment.program, known)}`
            : `: add programs: { ${experiment.program}: ["python3", "train.py"] }, or run it with --nats on workers that registered it`),
      );
  }
  return [...new Set(problems)];
}

/**
 * One trial config per distinct method and architecture the sweep trains (each strategy entry
 * with its options, on each architecture of the space, and the baseline), with a label such as
 * `pcgrad · hard-sharing`: what `mtl check` trains briefly.
 */
export function distinctConfigurations(experiment: Experiment): { label: string; config: TrialConfig }[] {
  const space = analyzeSpace(experiment);
  const arms = space.arms.map((a) => ({
    label: a.label,
    keys: [...space.common, ...a.conditional]
      .filter((d) => d.key === "architecture")
      .map((d) => [d.key, d] as [string, Param]),
  }));
  const problems: string[] = [];
  const configs = representativeConfigs(experiment, arms, problems);
  if (problems.length > 0) throw new InputError("the search space gives invalid trials:", problems);
  const seen = new Map<string, { label: string; config: TrialConfig }>();
  for (const { config } of configs) {
    if (isProgramTrial(config)) {
      // A program's distinct methods: each strategy (with its options) and the baseline.
      const key = JSON.stringify(config.strategy);
      if (seen.has(key)) continue;
      const options = Object.keys(config.strategy.options).length
        ? ` ${JSON.stringify(config.strategy.options)}`
        : "";
      seen.set(key, { label: `${methodOf(config)}${options} (program ${config.program})`, config });
      continue;
    }
    const key = JSON.stringify([config.strategy, config.model.architecture, config.model.trunk]);
    if (seen.has(key)) continue;
    const options = Object.keys(config.strategy.options).length
      ? ` ${JSON.stringify(config.strategy.options)}`
      : "";
    const method = methodOf(config);
    const strategy = method === config.strategy.name ? `${method}${options}` : method;
    const on = strategy === config.model.architecture ? "" : ` · ${config.model.architecture}`;
    seen.set(key, { label: `${strategy}${on} (${config.model.trunk})`, config });
  }
  return [...seen.values()];
}

/** The sweep plans at least one trial: configurations are planned whole (every seed, and its baseline). */
export function assertPlannable(experiment: Experiment): void {
  if (sweepSampler(experiment).next(1, []).length > 0) return;
  throw new InputError(
    `sweep.maxTrials (${experiment.sweep.maxTrials}) is smaller than one configuration with its ${experiment.seeds.length} seed(s)${experiment.baselines ? " and baselines" : ""}: nothing to run`,
  );
}

/** `--backend`: one of the trainer's backends. */
export function assertBackend(backend: string | undefined): void {
  if (backend === undefined || (BACKENDS as readonly string[]).includes(backend)) return;
  throw new InputError(
    `--backend: unknown backend "${backend}"${didYouMean(backend, BACKENDS)} (expected one of ${BACKENDS.join(", ")})`,
  );
}

/** Keys of the space that name no parameter: not a trial field, nor an option of what the trials use. */
function spaceKeyProblems(experiment: BuiltinExperiment): string[] {
  const problems: string[] = [];
  const strategyNames = new Set(experiment.strategies.map((s) => s.name));
  const archParam = experiment.space.architecture;
  const archs = archParam?.kind === "choice" ? archParam.values.map(String) : [experiment.model.architecture];
  const archOptions = new Set(archs.flatMap((a) => optionNames("architecture", a) ?? []));
  const datasetOptions = optionNames("dataset", experiment.dataset.name);
  for (const key of Object.keys(experiment.space)) {
    const target = targetOf(key, strategyNames);
    if (target.kind === "option" && !key.includes(".") && !archOptions.has(key)) {
      const candidates = [
        ...TRAINING_KEYS,
        ...MODEL_KEYS,
        "weights",
        ...experiment.tasks.map((t) => `weights.${t.name}`),
        ...(datasetOptions ?? []).map((o) => `dataset.${o}`),
        ...archOptions,
      ];
      problems.push(
        `space.${key}: not a trial parameter nor an option of architecture ${archs.map((a) => `"${a}"`).join(", ")}${didYouMean(key, candidates)}`,
      );
    }
    if (target.kind === "dataset" && datasetOptions && !datasetOptions.includes(target.option))
      problems.push(
        `space.${key}: dataset "${experiment.dataset.name}" has no option "${target.option}"${didYouMean(target.option, datasetOptions)}`,
      );
    if (target.kind === "strategy") {
      const known = optionNames("strategy", target.name);
      if (known && !known.includes(target.option))
        problems.push(
          `space.${key}: strategy "${target.name}" has no option "${target.option}"${didYouMean(target.option, known)}${known.length ? "" : " (it takes none)"}`,
        );
    }
  }
  return problems;
}

/** The values worth trying of a parameter: every choice, the ends of a range; simplex weights are checked by the scheduler. */
function valuesOf(p: Param): ParamValue[] {
  if (p.kind === "choice") return p.values;
  if (p.kind === "simplex") return [];
  return p.low === p.high ? [p.low] : [p.low, p.high];
}

interface Arm {
  label: string;
  keys: [string, Param][];
}

/**
 * The trials the sweep can contain, without planning it: for each strategy, its trial with no
 * parameter set, and one trial per value of each of its parameters (that parameter alone, so a
 * problem is that value's), plus the baseline. `what` names the value (none for the plain trial).
 * Values that give no valid trial at all become problems.
 */
function representativeConfigs(
  experiment: Experiment,
  arms: Arm[],
  problems: string[],
): { what?: string; config: TrialConfig }[] {
  const out: { what?: string; config: TrialConfig }[] = [];
  const seed = experiment.seeds[0] ?? 0;
  const reported = new Set<string>();
  const resolve = (params: Record<string, ParamValue>, what: string | undefined) => {
    try {
      out.push({ ...(what ? { what } : {}), config: resolveConfig(experiment, params, seed) });
    } catch (error) {
      if (!(error instanceof SearchSpaceError)) throw error;
      const detail = error.details.length ? error.details.join("; ") : error.message;
      const l = `${what ?? "the experiment"}: ${detail.replace(/^parameters .* give an invalid trial: /, "")}`;
      if (!reported.has(l)) problems.push(l);
      reported.add(l);
    }
  };
  const all = arms.length
    ? arms
    : strategyLabels(experiment.strategies).map((label) => ({ label, keys: [] }));
  for (const arm of all) {
    resolve({ strategy: arm.label }, undefined);
    for (const [key, p] of arm.keys)
      for (const v of valuesOf(p))
        resolve({ strategy: arm.label, [key]: v }, `space.${key} = ${JSON.stringify(v)}`);
  }
  if (experiment.baselines && all[0])
    resolve(baselineParams(experiment, { strategy: all[0].label }), "baselines (architecture single-task)");
  return out;
}

/** The experiment a single trial config amounts to, for the trainer's check. */
function asExperiment(experiment: BuiltinExperiment, config: TrialConfig): Experiment {
  const builtin = builtinConfig(config);
  const { kind: _kind, ...input } = experiment;
  return ExperimentSpec.parse({
    ...input,
    dataset: builtin.dataset,
    model: builtin.model,
    strategies: [config.strategy],
    training: config.training,
    baselines: false,
    space: {},
  });
}

/** A trial's limit problems, as `path: …` lines. */
function limitProblems(config: TrialConfig, limits: WorkerLimits): string[] {
  const message = TrialMessage.parse({
    kind: "trial",
    sweep: "validation",
    maxDeliveries: 1,
    sweepId: 1,
    trialId: 1,
    number: 1,
    pool: "cpu",
    config,
  });
  return overLimits(message, limits).map(describeOverLimit);
}
