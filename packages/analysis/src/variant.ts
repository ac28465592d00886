/**
 * How a configuration is named in every table (compare, report, leaderboard, dashboard): the
 * method, the strategy's options, then whatever else tells it apart from the sweep's other
 * configurations (architecture, task weights λ, swept parameters). Two rows never read the same.
 */
import type { TrialConfig } from "@mtl/spec";
import type { Configuration } from "./pairing.ts";
import { weightsOf } from "./records.ts";

/** The parts of a configuration's name: the method with its options, then [field, value] pairs. */
export interface VariantParts {
  /** e.g. "mgda{ub=true}" or "single-task". */
  head: string;
  fields: [string, string][];
}

const SHORT: Record<string, string> = {
  learningRate: "lr",
  batchSize: "bs",
  weightDecay: "wd",
  architecture: "arch",
};

/** The short name tables use for a parameter key ("learningRate" → "lr"), else the key. */
export function shortName(key: string): string {
  return SHORT[key] ?? key;
}

/** A value in a few characters: numbers to 3 significant digits, objects as compact JSON. */
export function shortValue(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(3)));
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(shortValue).join(",");
  if (v && typeof v === "object")
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}:${shortValue(x)}`)
      .join(",");
  return String(v);
}

/**
 * Every part of a configuration that can tell it apart, varying or not: its architecture, λ, and
 * each value of its data, model and training settings, named as the search space names them
 * (`lr`, `hidden`, `dataset.correlation`, a model option's own name).
 */
export function variantParts(
  c: Pick<Configuration, "config" | "method" | "isBaseline">,
  tasks: readonly string[],
): VariantParts {
  const { model, training, dataset } = c.config as TrialConfig;
  const head = strategyLabel(c);
  const fields: [string, string][] = [];
  if (!c.isBaseline) fields.push(["arch", model.architecture]);
  if (!c.isBaseline && c.config.weights)
    fields.push(["λ", weightsOf(c.config, tasks).map(shortValue).join("/")]);
  const { architecture: _a, options: modelOptions, ...modelRest } = model;
  const { options: dataOptions, ...dataRest } = dataset;
  const add = (name: string, v: unknown) => {
    fields.push([shortName(name), shortValue(v)]);
  };
  for (const [k, v] of Object.entries(training)) add(k, v);
  for (const [k, v] of Object.entries(modelRest)) add(k, v);
  for (const [k, v] of Object.entries(modelOptions)) add(k, v);
  for (const [k, v] of Object.entries(dataRest)) add(`dataset.${k}`, v);
  for (const [k, v] of Object.entries(dataOptions)) add(`dataset.${k}`, v);
  return { head, fields };
}

/** The method with the strategy's options, e.g. "mgda{ub=true}"; the method alone without options. */
export function strategyLabel(c: Pick<Configuration, "config" | "method" | "isBaseline">): string {
  const options = Object.entries(c.config.strategy.options);
  if (c.isBaseline || options.length === 0) return c.method;
  return `${c.method}{${options.map(([k, v]) => `${k}=${shortValue(v)}`).join(",")}}`;
}

/**
 * A label per configuration key: the head and the fields whose value is not the same in every
 * configuration that has them. Configurations that would still read the same get " #2", " #3".
 */
export function variantLabels(
  configs: readonly Pick<Configuration, "key" | "config" | "method" | "isBaseline">[],
  tasks: readonly string[],
): Map<string, string> {
  const parts = configs.map((c) => variantParts(c, tasks));
  const seen = new Map<string, Set<string>>();
  for (const p of parts) for (const [k, v] of p.fields) seen.set(k, (seen.get(k) ?? new Set()).add(v));
  const varies = (k: string) => (seen.get(k)?.size ?? 0) > 1;
  const labels = parts.map((p) =>
    [p.head, ...p.fields.filter(([k]) => varies(k)).map(([k, v]) => `${k}=${v}`)].join(" "),
  );
  const count = new Map<string, number>();
  const out = new Map<string, string>();
  configs.forEach((c, i) => {
    const n = (count.get(labels[i]!) ?? 0) + 1;
    count.set(labels[i]!, n);
    out.set(c.key, n === 1 ? labels[i]! : `${labels[i]} #${n}`);
  });
  return out;
}
