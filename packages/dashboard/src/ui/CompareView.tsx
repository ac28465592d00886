/** @jsxRuntime automatic @jsxImportSource react */

import type { StrategyTable } from "@mtl/bus";
import { Box, Text } from "ink";
import { type Column, fitColumns } from "../calc/columns.ts";
import { fit, fmtNum, fmtPct } from "../calc/format.ts";
import { type Cell, Table } from "./Table.tsx";

export interface CompareViewProps {
  table: StrategyTable | null;
  /** The comparison is being computed (the table, if any, is the last one known). */
  pending?: boolean;
  cursor: number;
  width: number;
  height: number;
}

/**
 * Configurations side by side, as `mtl compare` shows them: per-task mean ± std over seeds, Δm%
 * against each one's baseline, rank by the sweep objective, Pareto front; or, when `compare`
 * failed, its reason.
 */
export function CompareView({ table, pending = false, cursor, width, height }: CompareViewProps) {
  if (!table || table.rows.length === 0)
    return (
      <Box height={height} width={width} paddingLeft={1}>
        <Text dimColor wrap="wrap">
          {table?.error ?? (pending ? "computing the comparison…" : "no completed trials to compare yet")}
        </Text>
      </Box>
    );
  const notes = table.notes.slice(0, Math.max(0, Math.min(2, height - 3)));
  const columns: Column[] = [
    { key: "rank", width: 4, priority: 6, align: "right" },
    { key: "label", width: 12, priority: 10, flex: true },
    { key: "n", width: 3, priority: 5, align: "right" },
    ...table.columns.map((_, i) => ({
      key: `c${i}`,
      width: 15,
      priority: 8 - i * 0.01,
      align: "right" as const,
    })),
    { key: "deltaM", width: 7, priority: 9, align: "right" },
    { key: "pareto", width: 6, priority: 4 },
  ];
  const headers: Record<string, string> = {
    rank: "rank",
    label: "configuration",
    n: "n",
    deltaM: "Δm%",
    pareto: "pareto",
  };
  table.columns.forEach((c, i) => {
    headers[`c${i}`] = `${c.task} ${c.metric}`;
  });
  const rows = table.rows.map((r) => {
    const row: Record<string, Cell> = {
      rank: { text: r.rank == null ? "–" : String(r.rank) },
      label: { text: r.label, bold: r.baseline },
      n: { text: r.diverged ? `${r.n}!` : String(r.n), color: r.diverged ? "red" : undefined },
      deltaM: {
        text: r.baseline ? "0" : fmtPct(r.deltaM),
        color: r.deltaM == null || r.baseline ? undefined : r.deltaM > 0 ? "green" : "red",
      },
      pareto: { text: r.pareto ? "★" : "", color: "yellow" },
    };
    r.means.forEach((m, i) => {
      const sd = r.stds[i];
      row[`c${i}`] = { text: sd == null ? fmtNum(m, 3) : `${fmtNum(m, 3)} ± ${fmtNum(sd, 2)}` };
    });
    return row;
  });
  return (
    <Box flexDirection="column" height={height}>
      <Table
        columns={fitColumns(columns, width)}
        headers={headers}
        rows={rows}
        cursor={cursor}
        height={height - notes.length - 1}
      />
      <Text dimColor wrap="truncate">
        {fit(
          `split: ${table.split} · ranked by ${table.objectiveNames.join(", ")}${table.leftOut ? ` · ${table.leftOut} trials left out` : ""}${pending ? " · updating…" : ""} · mtl compare`,
          width,
        )}
      </Text>
      {notes.map((n) => (
        <Text key={n} dimColor wrap="truncate">
          {fit(n, width)}
        </Text>
      ))}
    </Box>
  );
}
