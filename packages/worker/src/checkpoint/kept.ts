/**
 * A kept model as stored (`CheckpointStore.putModel`): a worker record (record.ts, sealed by a
 * SHA-256) whose first part is the trial config that made the model and whose other parts are the
 * model: a built-in trial's kept weights (the `trainer` part, the trainer's own format that
 * `exportModel` reads), a program's checkpoint files by relative path. Its one report is the
 * epoch's metrics as the worker reported them.
 */
import { type EpochReport, TrialConfig } from "@mtl/spec";
import type { CheckpointPart } from "../executor.ts";
import { decodeRecord, encodeRecord, RecordError } from "./record.ts";

/** The config's part: a name no relative file path has. */
export const CONFIG_PART = "/config.json";

export interface KeptModel {
  config: TrialConfig;
  epoch: number;
  /** The epoch's report, when the worker had it. */
  report?: EpochReport;
  /** The model: `trainer` (built-in) or the program's files. */
  parts: CheckpointPart[];
}

export function encodeKept(m: KeptModel): Uint8Array {
  return encodeRecord({
    epoch: m.epoch,
    reports: m.report ? [m.report] : [],
    parts: [{ name: CONFIG_PART, bytes: new TextEncoder().encode(JSON.stringify(m.config)) }, ...m.parts],
  });
}

/** Reads a kept model, checking its seal and its config; throws RecordError. */
export function decodeKept(bytes: Uint8Array): KeptModel {
  const record = decodeRecord(bytes);
  const [first, ...parts] = record.parts;
  if (first?.name !== CONFIG_PART) throw new RecordError("not a kept model (no config part)");
  const config = TrialConfig.safeParse(JSON.parse(new TextDecoder().decode(first.bytes)));
  if (!config.success) throw new RecordError("kept model: its config is not a trial config");
  const report = record.reports.find((r) => r.epoch === record.epoch);
  return { config: config.data, epoch: record.epoch, ...(report ? { report } : {}), parts };
}
