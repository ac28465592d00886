/** @jsxRuntime automatic @jsxImportSource react */

import { columnFormat, wrapText } from "@mtl/analysis";
import type { Snapshot, TrialInfo } from "@mtl/bus";
import { Box, Text } from "ink";
import type { Column } from "../calc/columns.ts";
import { fitColumns, scrollStart } from "../calc/columns.ts";
import { fit, fmtDuration, fmtParams, fmtPct, fmtWeights } from "../calc/format.ts";
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

/** How long a trial ran: to its end, or to the snapshot's time while it runs. */
export function trialTime(
  t: Pick<TrialInfo, "startedAt" | "finishedAt" | "state">,
  now: number,
): number | null {
  if (t.startedAt == null) return null;
  return (t.finishedAt ?? (t.state === "running" ? now : t.startedAt)) - t.startedAt;
}

/**
 * Which try of its retry budget a trial is on (or ended on): lost and failed attempts use the
 * budget, interruptions do not, so a resumed trial is not shown past its budget.
 */
export function budgetTry(t: Pick<TrialInfo, "state" | "attemptsUsed" | "maxAttempts">): number {
  return Math.min(t.maxAttempts, t.state === "failed" ? Math.max(1, t.attemptsUsed) : t.attemptsUsed + 1);
}

const MAX_FOOTER_LINES = 3;

/** The selected trial in one line: every parameter in full, its attempts and where it ran. */
export function selectedLine(t: TrialInfo, tasks: readonly string[]): string {
  return [
    `#${t.number} ${t.strategy}`,
    `seed ${t.seed}`,
    t.weights ? `λ ${fmtWeights(t.weights, tasks)}` : "",
    fmtParams(t.params),
    `attempt ${budgetTry(t)}/${t.maxAttempts}`,
    t.worker ?? "",
    t.error ? `error: ${t.error}` : "",
  ]
    .filter(Boolean)
    .join(" · ");
}

/**
 * The selected sweep's trials: state, strategy (with its options), weights, parameters, per-task
 * metrics on the objective's split, the objective, the time it took, and the configuration's Δm%
 * and rank from the comparison; under the table, the selected trial's parameters in full.
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
    // Task weights only when some trial on the page has them.
    ...(trials.some((t) => t.weights)
      ? [{ key: "weights", width: Math.min(14, Math.max(5, taskNames.length * 4)), priority: 6 }]
      : []),
    { key: "params", width: 8, priority: 2, flex: true },
    ...snapshot.tasks.map((t, i) => ({
      key: `task:${t.name}`,
      width: 9,
      priority: 8 - i * 0.01,
      align: "right" as const,
    })),
    { key: "objective", width: 9, priority: 7.5, align: "right" },
    ...(snapshot.hasBaselines ? [{ key: "deltaM", width: 7, priority: 7, align: "right" as const }] : []),
    { key: "rank", width: 4, priority: 3, align: "right" },
    { key: "epoch", width: 5, priority: 4, align: "right" },
    { key: "time", width: 6, priority: 5, align: "right" },
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
    objective: snapshot.objectiveNames.length === 1 ? "objective" : "objectives",
    time: "time",
  };
  // Each column with one number of decimals, so the digits line up.
  const metricFmt = snapshot.tasks.map((task) =>
    columnFormat(
      trials.map((t) => t.metrics[task.name]),
      3,
    ),
  );
  const objectiveFmt = columnFormat(
    trials.flatMap((t) => t.objective ?? []),
    4,
  );
  for (const t of snapshot.tasks)
    headers[`task:${t.name}`] = `${t.name.slice(0, 5)} ${METRIC_ABBR[t.metric] ?? t.metric}`;
  const rows = trials.map((t) => {
    const row: Record<string, Cell> = {
      number: { text: String(t.number) },
      state: {
        // A retried trial says which attempt of how many it is on.
        text:
          t.state === "running" && budgetTry(t) > 1 ? `running ${budgetTry(t)}/${t.maxAttempts}` : t.state,
        color: STATE_COLOR[t.state],
      },
      method: { text: t.strategy },
      seed: { text: String(t.seed) },
      weights: { text: fmtWeights(t.weights, taskNames), dim: !t.weights },
      params: { text: fmtParams(t.params) || "—", dim: true },
      deltaM: {
        text: fmtPct(t.deltaM),
        // The configuration's Δm%: dim on a trial that did not itself finish.
        dim: t.state !== "completed",
        color: t.deltaM == null ? undefined : t.deltaM > 0 ? "green" : t.deltaM < 0 ? "red" : undefined,
      },
      rank: { text: t.rank == null ? "—" : String(t.rank), dim: t.state !== "completed" },
      epoch: { text: t.epochs ? `${t.prunedEpoch ?? t.epoch}/${t.epochs}` : String(t.epoch), dim: true },
      objective: { text: t.objective ? t.objective.map(objectiveFmt).join(",") : "—", dim: t.live },
      time: { text: fmtDuration(trialTime(t, snapshot.at)), dim: true },
    };
    snapshot.tasks.forEach((task, i) => {
      row[`task:${task.name}`] = { text: metricFmt[i]!(t.metrics[task.name]), dim: t.live };
    });
    return row;
  });
  const selected = trials[cursor - page.offset];
  // The selected trial in full: its line wraps (up to three lines, taken from the table's height)
  // rather than being cut, so every parameter can be read.
  const wrapped = (text: string) =>
    wrapText(text, Math.max(1, width))
      .split("\n")
      .slice(0, MAX_FOOTER_LINES)
      .map((l) => fit(l, width));
  const line = selected ? selectedLine(selected, taskNames) : "";
  // Where the screenful is in the whole list: on the selected trial's line, where it is never cut.
  const body = Math.max(0, height - 1 - wrapped(line).length);
  const first = page.offset + scrollStart(trials.length, cursor - page.offset, body);
  const range = page.total > body ? `${first + 1}–${Math.min(page.total, first + body)}/${page.total} ` : "";
  const footer = wrapped(`${range}${line}`);
  return (
    <Box flexDirection="column" height={height}>
      <Table
        columns={fitted}
        headers={headers}
        rows={rows}
        cursor={cursor - page.offset}
        offset={page.offset}
        total={page.total}
        height={height - footer.length}
        range={false}
        empty={snapshot.trialCount === 0 ? "  no trials yet" : "  no trial matches the filter"}
      />
      <Text dimColor>{footer.join("\n") || " "}</Text>
    </Box>
  );
}
