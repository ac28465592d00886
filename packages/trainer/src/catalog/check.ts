/**
 * checkExperiment: every problem of an experiment that the catalog can see, before any work
 * starts — names and options of the dataset, architecture and strategies (with "did you mean"),
 * what strategies need of the architecture and dataset, tasks against the dataset's outputs, and
 * for csv the file itself. Returns all the problems it finds; never throws on bad input.
 */
import {
  closestName,
  DatasetSpec,
  didYouMean,
  ExperimentSpec,
  formatIssues,
  InputError,
  ModelSpec,
  StrategyRef,
  TaskSpec,
} from "@mtl/spec";
import type { z } from "zod";
import type { DatasetDescription } from "../data/types.ts";
import { familyTaskRule } from "../meta/episodic-options.ts";
import { catalog } from "./catalog.ts";
import { type DescribeContext, describeDataset } from "./describe.ts";

/** One problem: where (`strategies[1].options.c`) and what. */
export interface Issue {
  path: string;
  message: string;
}

type Raw = Record<string, unknown>;

const record = (v: unknown): Raw =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Raw) : {};

/** Zod issues of `schema` on `value`, as Issues under `prefix`; unknown options with a suggestion. */
function schemaIssues(schema: z.ZodType, value: unknown, prefix: string): Issue[] {
  const parsed = schema.safeParse(value);
  if (parsed.success) return [];
  const known = Object.keys((schema as unknown as { shape?: object }).shape ?? {});
  const lines = formatIssues(parsed.error);
  return parsed.error.issues.flatMap((issue, i): Issue[] => {
    const line = lines[i] ?? "";
    const at = line.indexOf(": ");
    const path = line.slice(0, at);
    const where = path === "(root)" ? prefix : `${prefix}${path.startsWith("[") ? "" : "."}${path}`;
    if (issue.code === "unrecognized_keys" && path === "(root)")
      return issue.keys.map((k) => ({
        path: where,
        message: `unknown option "${k}"${known.length === 0 ? " (it takes none)" : didYouMean(k, known)}`,
      }));
    return [{ path: where, message: line.slice(at + 2) }];
  });
}

/**
 * The option a dataset's error is about: a csv error names it first (`features: no column …`);
 * anything else about a file (missing, not a regular file, a cell that is no number) is `path`.
 */
function datasetErrorPath(name: string, message: string): string {
  const named = /^(?:csv: )?(features|targets|exclude|split\.column|split|delimiter): /.exec(message)?.[1];
  if (named) return `dataset.options.${named}`;
  return name === "csv" ? "dataset.options.path" : "dataset.options";
}

function unknownName(kind: string, name: string, known: Iterable<string>): string {
  const near = closestName(name, [...known]);
  return `unknown ${kind} "${name}"${near ? ` — did you mean "${near}"?` : ""}`;
}

/**
 * All the problems of `experiment` (an experiment file's export, before or after defaults). `ctx`
 * says where data files may be read: `baseDir` (the experiment's folder) first, then `dataDirs`.
 */
export async function checkExperiment(
  experiment: unknown,
  ctx: { baseDir: string; dataDirs: readonly string[] },
): Promise<Issue[]> {
  const issues: Issue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  const root = record(experiment);
  const whole = ExperimentSpec.safeParse(experiment);
  if (!whole.success)
    for (const line of formatIssues(whole.error)) {
      const at = line.indexOf(": ");
      add(line.slice(0, at), line.slice(at + 2));
    }

  // Each part on its own, so that one bad field does not hide the problems of the others.
  const dataset = DatasetSpec.safeParse(root.dataset);
  const model = ModelSpec.safeParse(root.model ?? {});
  const tasks = (Array.isArray(root.tasks) ? root.tasks : []).map((t) => TaskSpec.safeParse(t));
  const strategies = (Array.isArray(root.strategies) ? root.strategies : ["equal"]).map((s) =>
    StrategyRef.safeParse(s),
  );

  let description: DatasetDescription | undefined;
  const datasetEntry = dataset.success ? catalog.datasets.get(dataset.data.name) : undefined;
  if (dataset.success) {
    if (!datasetEntry)
      add("dataset.name", unknownName("dataset", dataset.data.name, catalog.datasets.keys()));
    else {
      const optionIssues = schemaIssues(datasetEntry.module.options, dataset.data.options, "dataset.options");
      issues.push(...optionIssues);
      if (optionIssues.length === 0)
        try {
          description = await describeDataset(dataset.data, ctx satisfies DescribeContext);
        } catch (err) {
          const e = err as Error;
          if (e instanceof InputError && e.details.length > 0)
            for (const d of e.details) add(d.slice(0, d.indexOf(": ")), d.slice(d.indexOf(": ") + 2));
          else add(datasetErrorPath(dataset.data.name, e.message), e.message);
        }
    }
  }

  const arch = model.success ? catalog.architectures.get(model.data.architecture) : undefined;
  if (model.success) {
    const m = model.data;
    if (!arch)
      add("model.architecture", unknownName("architecture", m.architecture, catalog.architectures.keys()));
    else {
      issues.push(...schemaIssues(arch.options, m.options, "model.options"));
      if (!arch.trunks.includes(m.trunk))
        add(
          "model.trunk",
          `architecture "${arch.name}" takes the ${arch.trunks.join(" or ")} trunk, not "${m.trunk}"`,
        );
    }
    if (m.trunk === "cnn" && description?.inputShape && description.inputShape.length !== 3)
      add(
        "model.trunk",
        `the cnn trunk needs image data [height, width, channels]; dataset "${dataset.data?.name}" has samples of shape [${description.inputShape.join(", ")}]`,
      );
  }

  strategies.forEach((ref, i) => {
    if (!ref.success) return;
    const at = `strategies[${i}]`;
    const s = catalog.strategies.get(ref.data.name);
    if (!s) {
      add(at, unknownName("strategy", ref.data.name, catalog.strategies.keys()));
      return;
    }
    const optionIssues = schemaIssues(s.options, ref.data.options, `${at}.options`);
    issues.push(...optionIssues);
    if (optionIssues.length > 0) return;
    const needs = s.needs(ref.data.options);
    if (needs.sharedRepresentation && arch && !arch.sharedRepresentation) {
      const ok = [...catalog.architectures.values()].filter((a) => a.sharedRepresentation).map((a) => a.name);
      add(
        at,
        `"${s.name}" needs one shared representation; architecture "${arch.name}" has none (use ${ok.join(" or ")})`,
      );
    }
    if (needs.sharedParameters && arch && !arch.sharedParameters)
      add(at, `"${s.name}" needs parameters the tasks share; architecture "${arch.name}" has none`);
    if (needs.taskFamily) {
      if (datasetEntry && datasetEntry.kind !== "family") {
        const families = [...catalog.datasets.values()].filter((d) => d.kind === "family").map((d) => d.name);
        add(
          at,
          `"${s.name}" needs a task-family dataset (${families.join(", ")}); "${datasetEntry.name}" is not one`,
        );
      }
      if (tasks.length !== 1) add("tasks", `"${s.name}" trains one task of the family, not ${tasks.length}`);
      if (model.success && model.data.trunk !== "mlp")
        add("model.trunk", `"${s.name}" trains an mlp, not a ${model.data.trunk} trunk`);
    }
  });

  if (description) {
    const outputs = new Map(description.outputs.map((o) => [o.name, o]));
    const episodic = strategies.some(
      (r) => r.success && catalog.strategies.get(r.data.name)?.needs(r.data.options).taskFamily,
    );
    tasks.forEach((t, i) => {
      if (!t.success) return;
      const task = t.data;
      const out = outputs.get(task.target);
      if (!out) {
        const near = closestName(task.target, [...outputs.keys()]);
        add(
          `tasks[${i}].target`,
          `the dataset has no output "${task.target}"${near ? ` — did you mean "${near}"?` : ""} (it has ${[...outputs.keys()].join(", ")})`,
        );
        return;
      }
      if (out.kind !== task.kind)
        add(`tasks[${i}].kind`, `output "${out.name}" is ${out.kind}, not ${task.kind}`);
      else if (out.classes !== undefined && out.classes < 2)
        add(
          `tasks[${i}].target`,
          `output "${out.name}" has ${out.classes} class; classification needs at least 2`,
        );
      if (episodic && description?.kind === "family" && out.kind === task.kind) {
        const rule = familyTaskRule(out.kind);
        if (task.loss !== rule.loss)
          add(`tasks[${i}].loss`, `a ${out.kind} family is trained with ${rule.loss}, not ${task.loss}`);
        if (task.metric !== rule.metric)
          add(`tasks[${i}].metric`, `a ${out.kind} family is scored by ${rule.metric}, not ${task.metric}`);
      }
    });
  }
  // The same problem found twice (by the whole parse and a part's) is one problem.
  const seen = new Set<string>();
  return issues.filter((x) => {
    const key = `${x.path}\u0000${x.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
