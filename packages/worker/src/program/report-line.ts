/**
 * The lines a user's program prints to report to MTL Lab: `@mtl {json}` on stdout, every other line
 * is its log. JSON as Python's `json.dumps` writes it, so the bare tokens `NaN`, `Infinity` and
 * `-Infinity` are accepted (JSON5 reads them).
 *
 * - `@mtl {"epoch": 3, "metrics": {"digit": {"val": {"accuracy": 0.91, "loss": 0.3}}}, "weights": {"digit": 1}}`
 * - `@mtl {"final": {"digit": {"test": {"accuracy": 0.9}}}}`: the final metrics (else the last epoch's)
 * - `@mtl {"checkpoint": true}`: the program saved its state in MTL_CHECKPOINT_DIR
 */
import JSON5 from "json5";
import { z } from "zod";

// Any number, NaN and ±Infinity included (zod's number() refuses them): a diverged metric is data.
const value = z.custom<number>((v) => typeof v === "number", "expected a number");
// TASK → SPLIT → METRIC: a split other than these would be dropped silently, so it is an error.
const metrics = z.record(
  z.string(),
  z.partialRecord(z.enum(["train", "val", "test"]), z.record(z.string(), value)),
);

const EpochLine = z
  .object({
    /** From 1; a program that counts from 0 is shifted by one (program-executor.ts). */
    epoch: z.number().int().nonnegative(),
    metrics,
    weights: z.record(z.string(), value).optional(),
  })
  .strict();
const FinalLine = z.object({ final: metrics }).strict();
const CheckpointLine = z.object({ checkpoint: z.literal(true) }).strict();

export type ProgramReport =
  | z.output<typeof EpochLine>
  | z.output<typeof FinalLine>
  | z.output<typeof CheckpointLine>;
export type ProgramMetrics = z.output<typeof metrics>;

export const REPORT_PREFIX = "@mtl ";

/** Longest report line read; a longer one is an error, not a reason to hold megabytes. */
export const MAX_REPORT_BYTES = 1 << 20;

/**
 * Parses one line of a program's stdout: undefined for an ordinary log line, the report for an
 * `@mtl` line, or an error (a line that starts like a report but is not one).
 */
export function parseReportLine(line: string): ProgramReport | { error: string } | undefined {
  if (!line.startsWith(REPORT_PREFIX)) return undefined;
  if (line.length > MAX_REPORT_BYTES)
    return { error: `@mtl line of ${line.length} bytes (limit ${MAX_REPORT_BYTES})` };
  let data: unknown;
  try {
    data = JSON5.parse(line.slice(REPORT_PREFIX.length));
  } catch (error) {
    return { error: `@mtl line is not JSON: ${(error as Error).message}` };
  }
  // Chosen by key rather than as a union, so that an error names the field that is wrong.
  const keys = data && typeof data === "object" ? Object.keys(data) : [];
  const schema = keys.includes("epoch")
    ? EpochLine
    : keys.includes("final")
      ? FinalLine
      : keys.includes("checkpoint")
        ? CheckpointLine
        : undefined;
  if (!schema) return { error: '@mtl line: expected an object with "epoch", "final" or "checkpoint"' };
  const r = schema.safeParse(data);
  if (!r.success)
    return {
      error: `@mtl line: ${r.error.issues
        .map((i) => {
          const where = i.path.join(".") || "(root)";
          // A split under a task: say which ones there are.
          const hint =
            i.code === "unrecognized_keys" && i.path[0] === "metrics" ? " (splits: train, val, test)" : "";
          return `${where}: ${i.message}${hint}`;
        })
        .join("; ")}`,
    };
  return r.data;
}
