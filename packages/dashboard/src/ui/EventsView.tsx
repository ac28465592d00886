/** @jsxRuntime automatic @jsxImportSource react */

import type { EventInfo } from "@mtl/bus";
import { fitColumns } from "../calc/columns.ts";
import { fmtClock } from "../calc/format.ts";
import { type Cell, Table } from "./Table.tsx";
import { eventColor } from "./theme.ts";

export interface EventsViewProps {
  /** Newest first. */
  events: EventInfo[];
  cursor: number;
  width: number;
  height: number;
}

/** The live log: failures, retries, prunes, cancellations, workers joining and leaving. */
export function EventsView({ events, cursor, width, height }: EventsViewProps) {
  const columns = fitColumns(
    [
      { key: "at", width: 8, priority: 5 },
      { key: "kind", width: 15, priority: 6 },
      { key: "message", width: 20, priority: 10, flex: true },
    ],
    width,
  );
  const rows = events.map(
    (e): Record<string, Cell> => ({
      at: { text: fmtClock(e.at), dim: true },
      kind: { text: e.kind, color: eventColor(e.kind) },
      message: { text: e.message },
    }),
  );
  return (
    <Table
      columns={columns}
      headers={{ at: "time", kind: "event", message: "message" }}
      rows={rows}
      cursor={cursor}
      height={height}
      empty="  nothing notable yet"
    />
  );
}
