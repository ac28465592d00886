/**
 * `csv`: a local CSV file with a header row. Each target column becomes a task output of the
 * same name; classification targets map their distinct values (sorted) to class indices.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import type { DatasetModule, Target } from "./types.ts";

const Options = z
  .object({
    path: z.string().min(1).describe("CSV file (relative paths resolve from the working directory)"),
    targets: z
      .record(z.string(), z.enum(["classification", "regression"]))
      .refine((r) => Object.keys(r).length > 0, "expected at least one target column")
      .describe("target column → kind; each becomes a task output named after its column"),
    features: z
      .array(z.string())
      .min(1)
      .optional()
      .describe("feature columns (default: every non-target column)"),
    delimiter: z.string().length(1).default(",").describe("field separator"),
    standardize: z.boolean().default(true).describe("standardise features with training-split statistics"),
  })
  .strict();

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

export const csv: DatasetModule<typeof Options> = {
  name: "csv",
  description: "A local CSV file: chosen feature columns, one task per target column.",
  options: Options,
  load(o) {
    const file = resolve(o.path);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new Error(`csv: cannot read ${file}`, { cause: err });
    }
    const [header, ...rows] = parseCsv(text, o.delimiter);
    if (!header || rows.length === 0) throw new Error(`csv: ${file} has no data rows`);
    const names = header.map((h) => h.trim());
    const col = (name: string): number => {
      const i = names.indexOf(name);
      if (i < 0) throw new Error(`csv: no column "${name}" in ${file} (columns: ${names.join(", ")})`);
      return i;
    };
    const targetCols = Object.keys(o.targets);
    const featureCols = o.features ?? names.filter((n) => !targetCols.includes(n));
    if (featureCols.length === 0) throw new Error("csv: no feature columns");
    const fIdx = featureCols.map(col);
    const n = rows.length;
    const d = fIdx.length;
    const x = new Float32Array(n * d);
    rows.forEach((r, i) => {
      if (r.length !== names.length)
        throw new Error(`csv: row ${i + 2} has ${r.length} fields, expected ${names.length}`);
      fIdx.forEach((c, j) => {
        const v = Number((r[c] as string).trim());
        if ((r[c] as string).trim() === "" || !Number.isFinite(v))
          throw new Error(`csv: row ${i + 2}, column "${names[c]}": expected a number, got "${r[c]}"`);
        x[i * d + j] = v;
      });
    });
    const targets: Record<string, Target> = {};
    for (const [name, kind] of Object.entries(o.targets)) {
      const c = col(name);
      const raw = rows.map((r) => (r[c] as string).trim());
      if (kind === "regression") {
        const values = Float32Array.from(raw, (v, i) => {
          const num = Number(v);
          if (v === "" || !Number.isFinite(num))
            throw new Error(`csv: row ${i + 2}, column "${name}": expected a number, got "${v}"`);
          return num;
        });
        targets[name] = { kind, values };
      } else {
        const numeric = raw.every((v) => v !== "" && Number.isFinite(Number(v)));
        const classNames = [...new Set(raw)].sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
        if (classNames.length < 2) throw new Error(`csv: column "${name}" has fewer than two classes`);
        const index = new Map(classNames.map((v, i) => [v, i]));
        targets[name] = {
          kind,
          classes: classNames.length,
          classNames,
          labels: Int32Array.from(raw, (v) => index.get(v) as number),
        };
      }
    }
    return { n, inputShape: [d], x, targets, standardize: o.standardize };
  },
};
