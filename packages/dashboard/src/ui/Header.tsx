/** @jsxRuntime automatic @jsxImportSource react */

import type { Snapshot } from "@mtl/bus";
import { Box, Text } from "ink";
import { fit, fmtDuration } from "../calc/format.ts";
import { doneOf, estimateEta, progressBar } from "../calc/progress.ts";
import { STATE_COLOR } from "./theme.ts";

/** Two lines: the shown sweep with its progress bar and ETA, then its trials by state. */
export function Header({ snapshot, width }: { snapshot: Snapshot | undefined; width: number }) {
  const sweep = snapshot?.sweeps.find((s) => s.id === snapshot.sweepId);
  if (!snapshot || !sweep)
    return (
      <Box flexDirection="column" height={2}>
        <Text bold wrap="truncate">
          MTL Lab <Text dimColor>{snapshot ? "· no sweeps yet" : "· loading…"}</Text>
        </Text>
        <Text> </Text>
      </Box>
    );
  const done = doneOf(sweep.counts);
  const pct = sweep.total ? Math.floor((100 * done) / sweep.total) : 0;
  const eta = estimateEta(sweep, snapshot.running, snapshot.at);
  const finished = sweep.status === "completed" || sweep.status === "cancelled";
  const time = finished
    ? `took ${fmtDuration(sweep.finishedAt && sweep.startedAt ? sweep.finishedAt - sweep.startedAt : null)}`
    : sweep.status === "paused"
      ? "ETA – (paused)"
      : `ETA ${eta === null ? "–" : fmtDuration(eta)}`;
  const title = `MTL Lab · sweep ${sweep.id} ${sweep.name} `;
  const tail = ` ${done}/${sweep.total} ${pct}%  ${time}`;
  const barWidth = Math.max(5, Math.min(40, width - title.length - sweep.status.length - tail.length - 3));
  const c = sweep.counts;
  const states: [string, number][] = [
    ["queued", c.queued],
    ["running", c.running],
    ["completed", c.completed],
    ["failed", c.failed],
    ["pruned", c.pruned],
    ["cancelled", c.cancelled],
  ];
  return (
    <Box flexDirection="column" height={2}>
      <Text wrap="truncate">
        <Text bold>{fit(title, Math.max(10, width - barWidth - tail.length - sweep.status.length - 3))}</Text>
        <Text color={STATE_COLOR[sweep.status] ?? "cyan"}>{sweep.status}</Text>{" "}
        <Text color="green">{progressBar(sweep.total ? done / sweep.total : 0, barWidth)}</Text>
        {tail}
      </Text>
      <Text wrap="truncate">
        {states.map(([s, n]) => (
          <Text key={s} color={n > 0 ? STATE_COLOR[s] : undefined} dimColor={n === 0}>
            {s} {n}
            {"  "}
          </Text>
        ))}
      </Text>
    </Box>
  );
}
