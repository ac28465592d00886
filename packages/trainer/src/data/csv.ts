/**
 * `csv`: a local CSV file with a header row, read only from the trial's data folders (files.ts).
 * Each target column becomes a task output of the same name; classification targets map their
 * distinct values (sorted) to class indices.
 *
 * Feature columns are explicit or visibly defaulted: `features` lists them; without it they are
 * every column but the targets, the split column and `exclude` — and that default is refused
 * when it holds a column that looks like a label (integers forming a short run such as 0–9, no
 * value in more than 80% of the rows): a label left out of `targets` would silently become an
 * input (sklearn's digits: ge5 accuracy 0.889 → 0.989 with `digit` among the features). List
 * such a column in `features` to use it anyway. `describeDataset` reports the columns used.
 *
 * `split: { column }` takes a fixed split from a column of train/val/test values (published
 * splits) instead of the random fractions of DatasetSpec.split.
 *
 * Errors never quote the file: cells are named by row and column, and a column by its name only
 * where the options name it too (else by its number).
 */

import { closestName } from "@mtl/spec";
import { z } from "zod";
import { readDataFile } from "./files.ts";
import type { Dataset, DatasetContext, DatasetDescription, DatasetModule, Target } from "./types.ts";

/** The most bytes a csv dataset reads (bigger files are refused). */
export const CSV_MAX_BYTES = 256 * 1024 * 1024;
/** What describe() reads of a file: its header and first rows. */
const HEAD_BYTES = 1024 * 1024;

const Options = z
  .object({
    path: z
      .string()
      .min(1)
      .describe(
        "CSV file: relative to the data folders (the experiment's folder first), or absolute inside one",
      ),
    targets: z
      .record(z.string(), z.enum(["classification", "regression"]))
      .refine((r) => Object.keys(r).length > 0, "expected at least one target column")
      .describe("target column → kind; each becomes a task output named after its column"),
    features: z
      .array(z.string())
      .min(1)
      .optional()
      .describe("feature columns (default: every other column, refused if one looks like a label)"),
    exclude: z
      .array(z.string())
      .default([])
      .describe("columns left out of the default features (ids, leaky columns)"),
    split: z
      .object({ column: z.string().min(1).describe("column of train/val/test values") })
      .strict()
      .optional()
      .describe("a fixed split from a column instead of random fractions"),
    delimiter: z.string().length(1).default(",").describe("field separator"),
    standardize: z.boolean().default(true).describe("standardise features with training-split statistics"),
  })
  .strict();
type Options = z.output<typeof Options>;

/** RFC 4180 fields: quotes, doubled quotes inside quotes, CRLF or LF line ends. */
export function parseCsv(text: string, delimiter = ","): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      field = "";
      if (row.length > 1 || (row[0] ?? "") !== "") rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** A bad csv dataset: the message names options, rows and column numbers, never file contents. */
export class CsvError extends Error {
  constructor(message: string) {
    super(`csv: ${message}`);
    this.name = "CsvError";
  }
}

const SPLITS = ["train", "val", "test"] as const;

/** Integers forming a short run (2–10 values, e.g. 0–9 or 1–5), none in more than 80% of the rows. */
export function looksLikeLabel(values: readonly string[]): boolean {
  const counts = new Map<number, number>();
  for (const raw of values) {
    const v = Number(raw.trim());
    if (raw.trim() === "" || !Number.isInteger(v)) return false;
    counts.set(v, (counts.get(v) ?? 0) + 1);
    if (counts.size > 10) return false;
  }
  if (counts.size < 2) return false;
  const keys = [...counts.keys()];
  const run = Math.max(...keys) - Math.min(...keys) + 1 === counts.size;
  return run && Math.max(...counts.values()) <= 0.8 * values.length;
}

/** Which columns play which part, checked against the header and the rows at hand. */
interface Layout {
  features: number[];
  featureNames: string[];
  targets: { name: string; kind: "classification" | "regression"; column: number }[];
  split?: number;
  /** How to name column i in a message. */
  label(i: number): string;
}

function layout(o: Options, header: string[], rows: string[][], file: string): Layout {
  const names = header.map((h) => h.trim());
  const named = new Set([
    ...Object.keys(o.targets),
    ...(o.features ?? []),
    ...o.exclude,
    ...(o.split ? [o.split.column] : []),
  ]);
  // A header is named when the user named it or it reads as a column name; anything else (a file
  // that is no table, such as /etc/passwd) is shown by its number alone, never its text.
  const label = (i: number) => {
    const n = names[i] as string;
    return named.has(n) || /^[\w.-]{1,64}$/.test(n) ? `column "${n}"` : `column ${i + 1}`;
  };
  const find = (name: string, option: string): number => {
    const i = names.indexOf(name);
    if (i >= 0) return i;
    const near = closestName(name, names);
    throw new CsvError(
      `${option}: no column "${name}" in "${file}"${near ? ` — did you mean "${near}"?` : ""}`,
    );
  };
  const targets = Object.entries(o.targets).map(([name, kind]) => ({
    name,
    kind,
    column: find(name, "targets"),
  }));
  const split = o.split ? find(o.split.column, "split.column") : undefined;
  for (const c of o.exclude) find(c, "exclude");
  let features: number[];
  if (o.features) features = o.features.map((f) => find(f, "features"));
  else {
    const taken = new Set([...targets.map((t) => t.column), ...(split !== undefined ? [split] : [])]);
    const excluded = new Set(o.exclude);
    features = names.flatMap((n, i) => (taken.has(i) || excluded.has(n) ? [] : [i]));
    const labels = features.filter((i) => looksLikeLabel(rows.map((r) => r[i] ?? "")));
    if (labels.length > 0)
      throw new CsvError(
        `the default features include ${labels.map(label).join(", ")}, which look${labels.length === 1 ? "s" : ""} like a label ` +
          `(a short run of integers): add ${labels.length === 1 ? "it" : "them"} to "exclude", or list the feature columns in "features"`,
      );
  }
  if (features.length === 0) throw new CsvError("no feature columns");
  return {
    features,
    featureNames: features.map((i) => names[i] as string),
    targets,
    ...(split !== undefined ? { split } : {}),
    label,
  };
}

async function readTable(o: Options, ctx: Omit<DatasetContext, "seed">, head?: number) {
  const { text, complete } = await readDataFile(o.path, ctx, {
    maxBytes: CSV_MAX_BYTES,
    ...(head ? { head } : {}),
  });
  const all = parseCsv(text, o.delimiter);
  // A head cut mid-row: drop the partial last row.
  if (!complete) all.pop();
  const [header, ...rows] = all;
  if (!header || rows.length === 0) throw new CsvError(`"${o.path}" has no data rows`);
  return { header, rows, complete };
}

/** The number in row r (0-based, after the header), column c, or an error naming the cell. */
function cellNumber(rows: string[][], r: number, c: number, plan: Layout): number {
  const cell = (rows[r]?.[c] ?? "").trim();
  const v = Number(cell);
  if (cell === "" || !Number.isFinite(v))
    throw new CsvError(`row ${r + 2}, ${plan.label(c)}: expected a number`);
  return v;
}

function classesOf(raw: string[]): string[] {
  const numeric = raw.every((v) => v !== "" && Number.isFinite(Number(v)));
  return [...new Set(raw)].sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
}

async function load(o: Options, ctx: DatasetContext): Promise<Dataset> {
  const { header, rows } = await readTable(o, ctx);
  const plan = layout(o, header, rows, o.path);
  const n = rows.length;
  const d = plan.features.length;
  const x = new Float32Array(n * d);
  const number = (r: number, c: number): number => cellNumber(rows, r, c, plan);
  rows.forEach((row, r) => {
    if (row.length !== header.length)
      throw new CsvError(`row ${r + 2} has ${row.length} fields, expected ${header.length}`);
    plan.features.forEach((c, j) => {
      x[r * d + j] = number(r, c);
    });
  });
  const targets: Record<string, Target> = {};
  for (const t of plan.targets) {
    if (t.kind === "regression") {
      targets[t.name] = {
        kind: "regression",
        values: Float32Array.from(rows, (_, r) => number(r, t.column)),
      };
      continue;
    }
    const raw = rows.map((row) => (row[t.column] as string).trim());
    const classNames = classesOf(raw);
    if (classNames.length < 2) throw new CsvError(`targets: column "${t.name}" has fewer than two classes`);
    const index = new Map(classNames.map((v, i) => [v, i]));
    targets[t.name] = {
      kind: "classification",
      classes: classNames.length,
      classNames,
      labels: Int32Array.from(raw, (v) => index.get(v) as number),
    };
  }
  const dataset: Dataset = { n, inputShape: [d], x, targets, standardize: o.standardize };
  if (plan.split !== undefined) {
    const column = plan.split;
    dataset.assignment = Uint8Array.from(rows, (row, r) => {
      const i = SPLITS.indexOf((row[column] ?? "").trim() as (typeof SPLITS)[number]);
      if (i < 0) throw new CsvError(`row ${r + 2}, ${plan.label(column)}: expected train, val or test`);
      return i;
    });
  }
  return dataset;
}

/** Outputs and feature columns from the header and first rows (the whole file only if small). */
async function describe(o: Options, ctx: Omit<DatasetContext, "seed">): Promise<DatasetDescription> {
  const { header, rows, complete } = await readTable(o, ctx, HEAD_BYTES);
  const plan = layout(o, header, rows, o.path);
  // The rows at hand must parse as load() will parse them.
  const numeric = [
    ...plan.features,
    ...plan.targets.filter((t) => t.kind === "regression").map((t) => t.column),
  ];
  rows.forEach((row, r) => {
    if (row.length !== header.length)
      throw new CsvError(`row ${r + 2} has ${row.length} fields, expected ${header.length}`);
    for (const c of numeric) cellNumber(rows, r, c, plan);
  });
  return {
    kind: "multitask",
    outputs: plan.targets.map((t) => {
      if (t.kind === "regression") return { name: t.name, kind: t.kind };
      const classes = classesOf(rows.map((r) => (r[t.column] ?? "").trim())).length;
      return complete ? { name: t.name, kind: t.kind, classes } : { name: t.name, kind: t.kind };
    }),
    features: plan.featureNames,
    inputShape: [plan.features.length],
    ...(complete ? { samples: rows.length } : {}),
  };
}

export const csv: DatasetModule<typeof Options> = {
  name: "csv",
  description: "A CSV file in the data folders: chosen feature columns, one task per target column.",
  kind: "multitask",
  options: Options,
  load,
  describe,
};
