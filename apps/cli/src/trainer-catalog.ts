/**
 * The CLI's one door to what the trainer knows without training: the registries' names and
 * option schemas (`checkExperiment`), what a dataset produces (`describeDataset`), its size
 * (`datasetSize`), and a short training run for `mtl check` (`smokeTrial`).
 *
 * INTERIM. These are the signatures of `@mtl/trainer/catalog` and of runTrial's `dataDirs` and
 * `smoke` hooks, which the trainer is building (without TensorFlow.js, with path safety and the
 * compatibility rules inside the trainer). Until that lands, this file implements them from the
 * trainer's runtime registries, reaching into its sources; when it lands, each function here
 * becomes a re-export of the trainer's and the reach-ins go.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, realpathSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { DatasetSpec, Experiment, TrialConfig, TrialOutcome } from "@mtl/spec";
import { formatIssues } from "@mtl/spec";
import { hasOwnLoop, parseCsv, runTrial, type TrainHooks } from "@mtl/trainer";
import type { z } from "zod";
// Interim reach-ins (see above): the registries with their option schemas.
import { architectures, datasets, strategies } from "../../../packages/trainer/src/registries.ts";
import { didYouMean } from "./suggest.ts";

/** One problem of an experiment: where (`strategies[1].options.alpha`) and what. */
export interface Issue {
  path: string;
  message: string;
}

export interface CheckContext {
  /** The experiment file's folder: relative data paths resolve against it. */
  baseDir: string;
  /** The folders data may be read from. */
  dataDirs: string[];
}

export interface DatasetDescription {
  outputs: { name: string; kind: "classification" | "regression"; classes?: number }[];
  /** The feature columns a csv dataset uses. */
  features?: string[];
  samples?: number;
}

/** The options of a short training run that proves a configuration trains. */
export interface Smoke {
  samples: number;
  epochs: number;
}

const names = (r: { list(): { name: string }[] }) => r.list().map((e) => e.name);

const registryOf = { dataset: datasets, architecture: architectures, strategy: strategies } as const;

/** The names registered of one kind. */
export function registered(kind: keyof typeof registryOf): string[] {
  return names(registryOf[kind]);
}

/** The option names a registered module takes, or undefined when no such module is registered. */
export function optionNames(kind: keyof typeof registryOf, name: string): string[] | undefined {
  const r = registryOf[kind];
  if (!r.has(name)) return undefined;
  return Object.keys((r.get(name).options as unknown as { shape?: object }).shape ?? {});
}

/** `prefix.path` for a zod issue path as formatIssues prints it (`(root)`, `a.b`, `[0]`). */
function joinPath(prefix: string, path: string): string {
  if (path === "(root)") return prefix;
  return path.startsWith("[") ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** Issues of `options` against a module's schema, each under `prefix`, unknown keys with a suggestion. */
function optionIssues(schema: z.ZodType, options: unknown, prefix: string): Issue[] {
  const parsed = schema.safeParse(options ?? {});
  if (parsed.success) return [];
  const known = Object.keys((schema as unknown as { shape?: object }).shape ?? {});
  return parsed.error.issues.map((issue, i) => {
    const [path = "(root)", ...rest] = (formatIssues(parsed.error)[i] ?? "").split(": ");
    let message = rest.join(": ");
    if (issue.code === "unrecognized_keys")
      message = issue.keys
        .map((k) => `unknown option "${k}"${didYouMean(k, known)}${known.length ? "" : " (it takes none)"}`)
        .join("; ");
    return { path: joinPath(prefix, path), message };
  });
}

/** Every name and option of an experiment against the registries; never throws for bad input. */
export function checkExperiment(experiment: Experiment, ctx: CheckContext): Issue[] {
  const issues: Issue[] = [];
  const d = experiment.dataset;
  if (!datasets.has(d.name))
    issues.push({
      path: "dataset.name",
      message: `unknown dataset "${d.name}"${didYouMean(d.name, names(datasets))}`,
    });
  else issues.push(...optionIssues(datasets.get(d.name).options, d.options, "dataset.options"));
  const datasetOk = issues.length === 0;

  const m = experiment.model;
  if (!architectures.has(m.architecture))
    issues.push({
      path: "model.architecture",
      message: `unknown architecture "${m.architecture}"${didYouMean(m.architecture, names(architectures))}`,
    });
  else issues.push(...optionIssues(architectures.get(m.architecture).options, m.options, "model.options"));

  experiment.strategies.forEach((s, i) => {
    if (!strategies.has(s.name))
      issues.push({
        path: `strategies[${i}]`,
        message: `unknown strategy "${s.name}"${didYouMean(s.name, names(strategies))}`,
      });
    else issues.push(...optionIssues(strategies.get(s.name).options, s.options, `strategies[${i}].options`));
  });
  if (!datasetOk) return issues;

  let description: DatasetDescription;
  try {
    description = describeDataset(d, ctx);
  } catch (error) {
    return [
      { path: d.name === "csv" ? "dataset.options.path" : "dataset", message: (error as Error).message },
    ];
  }
  const outputs = new Map(description.outputs.map((o) => [o.name, o]));
  experiment.tasks.forEach((t, i) => {
    const out = outputs.get(t.target);
    if (!out)
      issues.push({
        path: `tasks[${i}].target`,
        message: `the dataset has no output "${t.target}"${didYouMean(t.target, outputs.keys())} (it has ${[...outputs.keys()].join(", ")})`,
      });
    else if (out.kind !== t.kind)
      issues.push({
        path: `tasks[${i}].kind`,
        message: `output "${t.target}" is ${out.kind}, not ${t.kind}`,
      });
  });
  return issues;
}

/**
 * A data file's real path, which must lie inside one of `dataDirs` (after symlinks) and be a
 * regular file. Relative paths resolve against `baseDir`. The error never shows file contents.
 */
function dataFile(path: string, ctx: CheckContext): string {
  const wanted = isAbsolute(path) ? path : resolve(ctx.baseDir, path);
  let real: string;
  try {
    real = realpathSync(wanted);
  } catch {
    throw new Error(`cannot read ${path}: no such file`);
  }
  const inside = ctx.dataDirs.some((dir) => {
    let root: string;
    try {
      root = realpathSync(dir);
    } catch {
      return false;
    }
    const rel = relative(root, real);
    return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
  });
  if (!inside) throw new Error(`${path} is outside the data folders (${ctx.dataDirs.join(", ") || "none"})`);
  // fstat on an open descriptor: O_NONBLOCK so that a FIFO does not block the open itself.
  const fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`${path} is not a regular file`);
  } finally {
    closeSync(fd);
  }
  return real;
}

/** What a dataset produces: its outputs (the names tasks may target), csv feature columns, sample count. */
export function describeDataset(spec: DatasetSpec, ctx: CheckContext): DatasetDescription {
  const key = JSON.stringify([spec, ctx]);
  let hit = described.get(key);
  if (!hit) {
    try {
      hit = { ok: describeOnce(spec, ctx) };
    } catch (error) {
      hit = { error: error as Error };
    }
    described.set(key, hit);
  }
  if ("error" in hit) throw hit.error;
  return hit.ok;
}

/** A process checks one experiment: its datasets are described once however often they are asked for. */
const described = new Map<string, { ok: DatasetDescription } | { error: Error }>();

function describeOnce(spec: DatasetSpec, ctx: CheckContext): DatasetDescription {
  const { item, options } = datasets.resolve(spec.name, spec.options);
  const opts = options as Record<string, unknown>;
  let features: string[] | undefined;
  if (spec.name === "csv") {
    const file = dataFile(String(opts.path), ctx);
    opts.path = file;
    const [header = []] = parseCsv(
      readFileSync(file, "utf8").split(/\r?\n/, 1)[0] ?? "",
      String(opts.delimiter),
    );
    const targets = Object.keys(opts.targets as object);
    const cols = header.map((h) => h.trim());
    features = (opts.features as string[] | undefined) ?? cols.filter((c) => !targets.includes(c));
  }
  // A generated dataset's outputs do not depend on its size: describe a small one.
  const samples = typeof opts.n_samples === "number" ? opts.n_samples : undefined;
  if (samples !== undefined) opts.n_samples = Math.min(samples, 500);
  const data = item.load(opts, { seed: spec.seed });
  if (data instanceof Promise) throw new Error(`dataset "${spec.name}" loads asynchronously`);
  return {
    outputs: Object.entries(data.targets).map(([name, t]) => ({
      name,
      kind: t.kind,
      ...(t.kind === "classification" ? { classes: t.classes } : {}),
    })),
    ...(features ? { features } : {}),
    samples: samples ?? data.n,
  };
}

/**
 * A dataset's size from its options alone (nothing generated or read), for a worker's limits:
 * the generated datasets name their sample count `n_samples` and their width `n_features` or `dim`.
 */
export function datasetSize(spec: DatasetSpec): { samples?: number; inputSize?: number } {
  const o = spec.options;
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  const inputSize = num(o.n_features) ?? num(o.dim) ?? (spec.name.startsWith("mnist") ? 784 : undefined);
  return {
    ...(num(o.n_samples) !== undefined ? { samples: num(o.n_samples) } : {}),
    ...(inputSize !== undefined ? { inputSize } : {}),
  };
}

/** Trains `config` briefly (one short epoch on a small sample): `mtl check`'s proof that it trains. */
export function smokeTrial(
  config: TrialConfig,
  hooks: { dataDirs: string[]; smoke: Smoke },
): Promise<TrialOutcome> {
  const withHooks: TrainHooks & { dataDirs: string[]; smoke: Smoke } = { ...hooks };
  // Until runTrial takes `smoke` and `dataDirs`, the epochs and a generated dataset's size are
  // cut and a csv path is resolved here.
  const n = config.dataset.options.n_samples;
  const dataset =
    typeof n === "number"
      ? {
          ...config.dataset,
          options: { ...config.dataset.options, n_samples: Math.min(n, hooks.smoke.samples) },
        }
      : config.dataset.name === "csv"
        ? {
            ...config.dataset,
            options: {
              ...config.dataset.options,
              path: dataFile(String(config.dataset.options.path), {
                baseDir: hooks.dataDirs[0] ?? process.cwd(),
                dataDirs: hooks.dataDirs,
              }),
            },
          }
        : config.dataset;
  // Phased strategies (transfer, distill) need an epoch per phase.
  const epochs = hasOwnLoop(config.strategy.name) ? Math.max(2, hooks.smoke.epochs) : hooks.smoke.epochs;
  const short = { ...config, dataset, training: { ...config.training, epochs } };
  return runTrial(short, withHooks);
}
