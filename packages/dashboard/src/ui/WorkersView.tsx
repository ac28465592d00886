/** @jsxRuntime automatic @jsxImportSource react */

import type { Snapshot } from "@mtl/bus";
import { fitColumns } from "../calc/columns.ts";
import { fmtAgo, shortDevice } from "../calc/format.ts";
import { type Cell, Table } from "./Table.tsx";
import { STATE_COLOR } from "./theme.ts";

export interface WorkersViewProps {
  snapshot: Snapshot;
  cursor: number;
  width: number;
  height: number;
}

/** Workers: where they run, on what, what they do, when they were last heard from. */
export function WorkersView({ snapshot, cursor, width, height }: WorkersViewProps) {
  const columns = fitColumns(
    [
      { key: "name", width: 10, priority: 10 },
      { key: "host", width: 10, priority: 3 },
      { key: "pool", width: 4, priority: 5 },
      { key: "backend", width: 12, priority: 7, flex: true },
      { key: "state", width: 5, priority: 9 },
      { key: "trial", width: 6, priority: 8, align: "right" as const },
      { key: "seen", width: 10, priority: 6, align: "right" as const },
      { key: "done", width: 5, priority: 6, align: "right" as const },
    ],
    width,
  );
  const rows = snapshot.workers.map(
    (w): Record<string, Cell> => ({
      name: { text: w.name },
      host: { text: w.host ?? "—", dim: true },
      pool: { text: w.pool },
      backend: { text: [w.backend ?? "?", ...w.devices.map(shortDevice)].join(" ") },
      state: { text: w.state, color: STATE_COLOR[w.state] },
      trial: {
        text:
          w.currentTrialNumber != null
            ? `#${w.currentTrialNumber}`
            : w.currentTrial != null
              ? `id ${w.currentTrial}`
              : "—",
      },
      seen: { text: fmtAgo(w.lastSeen, snapshot.at), dim: true },
      done: { text: String(w.trialsDone) },
    }),
  );
  return (
    <Table
      columns={columns}
      headers={{
        name: "worker",
        host: "host",
        pool: "pool",
        backend: "backend/GPU",
        state: "state",
        trial: "trial",
        seen: "heartbeat",
        done: "done",
      }}
      rows={rows}
      cursor={cursor}
      height={height}
      empty="  no workers have joined"
    />
  );
}
