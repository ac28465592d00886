/** @jsxRuntime automatic @jsxImportSource react */

import type { Snapshot } from "@mtl/bus";
import { fitColumns } from "../calc/columns.ts";
import { fmtDuration } from "../calc/format.ts";
import { doneOf, estimateEta, progressBar } from "../calc/progress.ts";
import { type Cell, Table } from "./Table.tsx";
import { STATE_COLOR } from "./theme.ts";

export interface SweepsViewProps {
  snapshot: Snapshot;
  cursor: number;
  width: number;
  height: number;
}

/** Every sweep in the store: status, progress, time left (or taken), trials by state. */
export function SweepsView({ snapshot, cursor, width, height }: SweepsViewProps) {
  const columns = fitColumns(
    [
      { key: "id", width: 3, priority: 10, align: "right" as const },
      { key: "name", width: 12, priority: 9, flex: true },
      { key: "status", width: 9, priority: 9 },
      { key: "bar", width: 12, priority: 5 },
      { key: "done", width: 9, priority: 8, align: "right" as const },
      { key: "time", width: 8, priority: 6, align: "right" as const },
      { key: "states", width: 22, priority: 4 },
    ],
    width,
  );
  const running = snapshot.running;
  const rows = snapshot.sweeps.map((s): Record<string, Cell> => {
    const done = doneOf(s.counts);
    // Running trials' start times are only in the snapshot for the selected sweep.
    const eta = estimateEta(s, s.id === snapshot.sweepId ? running : [], snapshot.at);
    const time =
      s.status === "completed" || s.status === "cancelled"
        ? fmtDuration(s.finishedAt && s.startedAt ? s.finishedAt - s.startedAt : null)
        : eta === null
          ? "–"
          : `~${fmtDuration(eta)}`;
    const c = s.counts;
    return {
      id: { text: String(s.id), bold: s.id === snapshot.sweepId },
      name: { text: s.name, bold: s.id === snapshot.sweepId },
      status: {
        text: s.status,
        color: STATE_COLOR[s.status] ?? (s.status === "running" ? "cyan" : undefined),
      },
      bar: {
        text: progressBar(s.total ? done / s.total : 0, columns.find((x) => x.key === "bar")?.width ?? 12),
        color: "green",
      },
      done: { text: `${done}/${s.total}` },
      time: { text: time, dim: true },
      states: { text: `▶${c.running} ✓${c.completed} ✗${c.failed} ✂${c.pruned} ⊘${c.cancelled}`, dim: true },
    };
  });
  return (
    <Table
      columns={columns}
      headers={{
        id: "id",
        name: "sweep",
        status: "status",
        bar: "progress",
        done: "done",
        time: "time",
        states: "trials",
      }}
      rows={rows}
      cursor={cursor}
      height={height}
      empty="  no sweeps in this database"
    />
  );
}
