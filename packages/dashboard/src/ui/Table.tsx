/** @jsxRuntime automatic @jsxImportSource react */
import { Box, Text } from "ink";
import { type Column, scrollStart } from "../calc/columns.ts";
import { fit } from "../calc/format.ts";

export interface Cell {
  text: string;
  color?: string;
  dim?: boolean;
  bold?: boolean;
}

export interface TableProps<K extends string> {
  columns: Column<K>[];
  headers: Record<K, string>;
  rows: Record<K, Cell>[];
  /** Highlighted row, or -1 for none. */
  cursor: number;
  /** Rows including the header line. */
  height: number;
  /** Text shown when there are no rows. */
  empty?: string;
  /** Position of `rows[0]` in the whole list, when `rows` is one page of it. @default 0 */
  offset?: number;
  /** Length of the whole list. @default rows.length */
  total?: number;
}

/** A scrolling table with a header line and a highlighted row, exactly `height` lines tall. */
export function Table<K extends string>({
  columns,
  headers,
  rows,
  cursor,
  height,
  empty,
  offset = 0,
  total = rows.length,
}: TableProps<K>) {
  const body = Math.max(0, height - 1);
  const start = scrollStart(rows.length, cursor, body);
  const shown = rows.slice(start, start + body);
  const more = total > body ? ` ${offset + start + 1}–${offset + start + shown.length}/${total}` : "";
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate" bold>
        {columns.map((c, i) => (
          <Text key={c.key}>
            {i > 0 ? " " : ""}
            {fit(headers[c.key], c.width, true, c.align)}
          </Text>
        ))}
        <Text dimColor>{more}</Text>
      </Text>
      {rows.length === 0 && empty ? <Text dimColor>{empty}</Text> : null}
      {shown.map((row, i) => {
        const selected = start + i === cursor;
        return (
          <Text key={i} wrap="truncate" inverse={selected}>
            {columns.map((c, j) => {
              const cell = row[c.key];
              return (
                <Text key={c.key} color={cell.color} dimColor={cell.dim} bold={cell.bold}>
                  {j > 0 ? " " : ""}
                  {fit(cell.text, c.width, true, c.align)}
                </Text>
              );
            })}
          </Text>
        );
      })}
    </Box>
  );
}
