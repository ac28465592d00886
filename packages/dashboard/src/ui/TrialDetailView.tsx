/** @jsxRuntime automatic @jsxImportSource react */

import { fmtBytes } from "@mtl/analysis";
import type { TrialDetail, TrialInfo } from "@mtl/bus";
import { Box, Text } from "ink";
import { fit, fmtDuration, fmtNum, fmtParams, fmtPct, fmtWeights } from "../calc/format.ts";
import { Chart, type ChartLine } from "./Chart.tsx";
import { budgetTry } from "./TrialsView.tsx";
import { SERIES_COLORS, SPLIT_COLOR, STATE_COLOR } from "./theme.ts";

export interface TrialDetailViewProps {
  detail: TrialDetail | undefined;
  /** The trial's row in the snapshot (carries its configuration's Δm%). */
  row: TrialInfo | undefined;
  /** Which curves to chart: each task's own metric, or its loss. */
  curve: "metric" | "loss";
  width: number;
  height: number;
}

const CHART_MIN_WIDTH = 34;

/** One trial: summary, per-task train/val curves, task weights over epochs, attempts and errors. */
export function TrialDetailView({ detail, row, curve, width, height }: TrialDetailViewProps) {
  if (!detail)
    return (
      <Box height={height}>
        <Text dimColor> loading trial…</Text>
      </Box>
    );
  const t = { ...detail.trial, deltaM: row?.deltaM ?? detail.trial.deltaM };
  const taskNames = detail.tasks.map((x) => x.name);
  const secs = t.startedAt ? (t.finishedAt ?? detail.at) - t.startedAt : null;
  const summary = [
    `trial ${t.number}`,
    t.method,
    `seed ${t.seed}`,
    t.weights ? `λ ${fmtWeights(t.weights, taskNames)}` : "",
    fmtParams(t.params),
    `epoch ${t.prunedEpoch ?? t.epoch}/${t.epochs}`,
    t.worker ? `${t.worker}${t.backend ? ` ${t.backend}` : ""}` : "",
    secs === null ? "" : fmtDuration(secs),
  ]
    .filter(Boolean)
    .join(" · ");
  const metricsLine = [
    ...detail.tasks.map((task) => `${task.name} ${task.metric} ${fmtNum(t.metrics[task.name])}`),
    t.deltaM == null ? "" : `Δm% ${fmtPct(t.deltaM)}`,
    t.objective ? `objective ${t.objective.map((v) => fmtNum(v)).join(", ")}` : "",
  ]
    .filter(Boolean)
    .join("   ");

  // Attempts: one line each (the last few), errors after them.
  const attemptLines = detail.attempts.slice(-3);
  const errorLine = t.error ?? detail.attempts.findLast((a) => a.error)?.error ?? null;
  const keptLine = detail.kept?.length
    ? `kept: ${detail.kept.map((k) => `${k.kind} (epoch ${k.epoch}, ${fmtBytes(k.bytes)})`).join(", ")} · ${detail.kept[0]!.command}`
    : null;
  const bottom = 1 + Math.max(1, attemptLines.length) + (errorLine ? 1 : 0) + (keptLine ? 1 : 0);
  const chartArea = Math.max(0, height - 2 - bottom);

  const charts: { title: string; lines: ChartLine[] }[] = detail.tasks.map((task) => {
    const name = curve === "loss" ? "loss" : task.metric;
    const lines = ["train", "val"].flatMap((split) => {
      const s = detail.curves.find((c) => c.task === task.name && c.split === split && c.name === name);
      return s ? [{ label: split, color: SPLIT_COLOR[split] ?? "white", points: s.points }] : [];
    });
    return { title: `${task.name} ${name}`, lines };
  });
  charts.push({
    title: "λ weights",
    lines: detail.weights.map((w, i) => ({
      label: w.task,
      color: SERIES_COLORS[i % SERIES_COLORS.length]!,
      points: w.points,
    })),
  });
  const perRow = Math.max(1, Math.min(charts.length, Math.floor(width / CHART_MIN_WIDTH)));
  const gridRows = Math.ceil(charts.length / perRow);
  const cellHeight = Math.floor(chartArea / gridRows);
  const fitsCharts = cellHeight >= 3;
  const shownRows = fitsCharts ? gridRows : 0;
  const cellWidth = Math.floor(width / perRow);

  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate">
        <Text bold>{fit(summary, Math.max(0, width - t.state.length - 3))}</Text>
        <Text color={STATE_COLOR[t.state]}> [{t.state}]</Text>
      </Text>
      <Text wrap="truncate" dimColor={t.live}>
        {fit(metricsLine || "no results yet", width)}
      </Text>
      <Box flexDirection="column" height={chartArea}>
        {Array.from({ length: shownRows }, (_, r) => (
          <Box key={r} flexDirection="row" height={cellHeight}>
            {charts.slice(r * perRow, r * perRow + perRow).map((c) => (
              <Chart
                key={c.title}
                title={c.title}
                lines={c.lines}
                width={cellWidth - 1}
                height={cellHeight}
              />
            ))}
          </Box>
        ))}
        {!fitsCharts && chartArea > 0 ? <Text dimColor> enlarge the terminal to see the charts</Text> : null}
      </Box>
      <Text bold wrap="truncate">
        {/* The try of the trial's retry budget (interruptions use none). */}
        {fit(`attempt ${budgetTry(t)}/${t.maxAttempts}`, width)}
      </Text>
      {attemptLines.length === 0 ? <Text dimColor> none yet</Text> : null}
      {attemptLines.map((a) => (
        <Text key={a.attempt} wrap="truncate">
          {fit(`  #${a.attempt} ${a.worker ?? "?"} ${a.backend ?? ""}`, 26, true)}
          <Text color={STATE_COLOR[a.state]}>{fit(a.state, 10, true)}</Text>
          <Text dimColor>{fmtDuration((a.endedAt ?? detail.at) - a.startedAt)}</Text>
          {a.error ? <Text color="red"> {a.error}</Text> : null}
        </Text>
      ))}
      {errorLine ? (
        <Text color="red" wrap="truncate">
          {fit(`error: ${errorLine}`, width)}
        </Text>
      ) : null}
      {keptLine ? (
        <Text color="cyan" wrap="truncate">
          {fit(keptLine, width)}
        </Text>
      ) : null}
    </Box>
  );
}
