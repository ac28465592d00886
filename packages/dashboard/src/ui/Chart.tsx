/** @jsxRuntime automatic @jsxImportSource react */
import { Box, Text } from "ink";
import { brailleChart, rangeOf } from "../calc/braille.ts";
import { fit, fmtNum } from "../calc/format.ts";

export interface ChartLine {
  label: string;
  color: string;
  points: [number, number][];
}

export interface ChartProps {
  title: string;
  lines: ChartLine[];
  width: number;
  /** Rows including the title line. */
  height: number;
}

const AXIS = 7;

/** A titled braille line chart with the y range at the left and a legend in the title. */
export function Chart({ title, lines, width, height }: ChartProps) {
  const plotWidth = Math.max(4, width - AXIS - 1);
  const plotHeight = Math.max(1, height - 1);
  const range = rangeOf(lines.map((l) => l.points));
  const chart = brailleChart(
    lines.map((l) => l.points),
    plotWidth,
    plotHeight,
    range,
  );
  const xs = range ? ` ep ${range.xMin}–${range.xMax}` : "";
  const legendWidth = lines.reduce((s, l) => s + l.label.length + 3, 0);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate">
        <Text bold>{fit(title, Math.max(4, width - legendWidth - xs.length - 1))}</Text>
        {lines.map((l) => (
          <Text key={l.label} color={l.color}>
            {" ━ "}
            {l.label}
          </Text>
        ))}
        <Text dimColor>{xs}</Text>
      </Text>
      {range === null ? (
        <Text dimColor>{fit("  no epochs yet", width)}</Text>
      ) : (
        chart.rows.map((runs, i) => {
          const label =
            i === 0 ? fmtNum(chart.yMax, 3) : i === chart.rows.length - 1 ? fmtNum(chart.yMin, 3) : "";
          return (
            <Text key={i} wrap="truncate">
              <Text dimColor>{fit(label, AXIS, true, "right")}│</Text>
              {runs.map((r, j) => (
                <Text key={j} color={r.series === null ? undefined : lines[r.series]?.color}>
                  {r.text}
                </Text>
              ))}
            </Text>
          );
        })
      )}
    </Box>
  );
}
