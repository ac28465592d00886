/** @jsxRuntime automatic @jsxImportSource react */

import type { Snapshot } from "@mtl/bus";
import type { Column } from "../calc/columns.ts";
import { fitColumns } from "../calc/columns.ts";
import { fmtNum, fmtParams, fmtPct, fmtWeights } from "../calc/format.ts";
import { type Cell, Table } from "./Table.tsx";
import { STATE_COLOR } from "./theme.ts";

export interface TrialsViewProps {
  /** Its `trials` is the page to show (filtered, sorted and cut by the source). */
  snapshot: Snapshot;
  /** Position of the highlighted trial in the whole list. */
  cursor: number;
  width: number;
  height: number;
}

const METRIC_ABBR: Record<string, string> = { accuracy: "acc", f1: "f1", mse: "mse", mae: "mae" };

/**
 * The selected sweep's trials: state, strategy (with its options), weights, parameters, per-task
 * metrics on the objective's split, and the configuration's Δm% and rank from the comparison.
 */
export function TrialsView({ snapshot, cursor, width, height }: TrialsViewProps) {
  const page = snapshot.trials;
  const trials = page.items;
  const taskNames = snapshot.tasks.map((t) => t.name);
  const columns: Column[] = [
    { key: "number", width: 4, priority: 10, align: "right" },
    { key: "state", width: 9, priority: 9 },
    { key: "method", width: 11, priority: 9 },
    { key: "seed", width: 4, priority: 1, align: "right" },
    { key: "weights", width: Math.min(14, Math.max(5, taskNames.length * 4)), priority: 6 },
    { key: "params", width: 8, priority: 2, flex: true },
    ...snapshot.tasks.map((t, i) => ({
      key: `task:${t.name}`,
      width: 9,
      priority: 8 - i * 0.01,
      align: "right" as const,
    })),
    ...(snapshot.hasBaselines ? [{ key: "deltaM", width: 7, priority: 7, align: "right" as const }] : []),
    { key: "rank", width: 4, priority: 3, align: "right" },
    { key: "epoch", width: 5, priority: 4, align: "right" },
  ];
  const fitted = fitColumns(columns, width);
  const headers: Record<string, string> = {
    number: "#",
    state: "state",
    method: "strategy",
    seed: "seed",
    weights: "λ",
    params: "params",
    deltaM: "Δm%",
    rank: "rank",
    epoch: "epoch",
  };
  for (const t of snapshot.tasks)
    headers[`task:${t.name}`] = `${t.name.slice(0, 5)} ${METRIC_ABBR[t.metric] ?? t.metric}`;
  const rows = trials.map((t) => {
    const row: Record<string, Cell> = {
      number: { text: String(t.number) },
      state: {
        text: t.state === "running" && t.attempt > 1 ? `running·${t.attempt}` : t.state,
        color: STATE_COLOR[t.state],
      },
      method: { text: t.strategy },
      seed: { text: String(t.seed) },
      weights: { text: fmtWeights(t.weights, taskNames), dim: !t.weights },
      params: { text: fmtParams(t.params) || "–", dim: true },
      deltaM: {
        text: fmtPct(t.deltaM),
        // The configuration's Δm%: dim on a trial that did not itself finish.
        dim: t.state !== "completed",
        color: t.deltaM == null ? undefined : t.deltaM > 0 ? "green" : t.deltaM < 0 ? "red" : undefined,
      },
      rank: { text: t.rank == null ? "–" : String(t.rank), dim: t.state !== "completed" },
      epoch: { text: t.epochs ? `${t.prunedEpoch ?? t.epoch}/${t.epochs}` : String(t.epoch), dim: true },
    };
    for (const task of snapshot.tasks)
      row[`task:${task.name}`] = { text: fmtNum(t.metrics[task.name], 3), dim: t.live };
    return row;
  });
  return (
    <Table
      columns={fitted}
      headers={headers}
      rows={rows}
      cursor={cursor - page.offset}
      offset={page.offset}
      total={page.total}
      height={height}
      empty={snapshot.trialCount === 0 ? "  no trials yet" : "  no trial matches the filter"}
    />
  );
}
