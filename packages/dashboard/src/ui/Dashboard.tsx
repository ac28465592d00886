/** @jsxRuntime automatic @jsxImportSource react */
import { MAX_PAGE, MAX_POINTS, type SnapshotRequest } from "@mtl/bus/core";
import { Box, useApp, useInput } from "ink";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { logEvents } from "../calc/events.ts";
import { fmtAgo } from "../calc/format.ts";
import { sortKeys, sortLabel } from "../calc/sort-keys.ts";
import type { DashboardSource } from "../source.ts";
import { HelpLine, StatusLine, TabBar } from "./Chrome.tsx";
import { CompareView } from "./CompareView.tsx";
import { EventsView } from "./EventsView.tsx";
import { Header } from "./Header.tsx";
import { hintsFor } from "./hints.ts";
import { SweepsView } from "./SweepsView.tsx";
import { type Effect, handleKey, initialState, type KeyContext, splitKeys, type UiState } from "./state.ts";
import { TrialDetailView } from "./TrialDetailView.tsx";
import { TrialsView } from "./TrialsView.tsx";
import { usePoll } from "./use-poll.ts";
import { type Size, useTerminalSize } from "./use-terminal-size.ts";
import { WorkersView } from "./WorkersView.tsx";

export interface DashboardProps {
  source: DashboardSource;
  /** Sweep to show first. @default the latest */
  sweepId?: number;
  /** Milliseconds between polls of the source. @default 500 */
  intervalMs?: number;
  /** Fixed size instead of the terminal's (tests). */
  size?: Size;
  /** Inside `mtl run`: `q` stops the run (as Ctrl-C does) rather than only closing the view. */
  inline?: boolean;
  /** Called when the person quits (q or Ctrl-C), before the app exits. */
  onQuit?: () => void;
}

/** Lines outside the panels: header 2, tab bar 1, status 1, help 1, and one spare (see below). */
const CHROME = 6;

/**
 * The page of trials to ask for: the screenful around the cursor and one on either side, so that
 * moving the cursor rarely waits for the source. The server sorts and filters the whole sweep.
 */
export function trialsWindow(cursor: number, rows: number): { offset: number; limit: number } {
  const block = Math.floor(Math.max(0, cursor) / rows);
  return { offset: Math.max(0, (block - 1) * rows), limit: Math.min(MAX_PAGE, 3 * rows) };
}

/**
 * The whole dashboard. Data comes from `source` through polling hooks; the views only present
 * it. The frame is one line shorter than the terminal: Ink clears the whole screen on every
 * frame that fills it, which flickers.
 */
export function Dashboard({
  source,
  sweepId,
  intervalMs = 500,
  size: fixed,
  inline = false,
  onQuit,
}: DashboardProps) {
  const { exit } = useApp();
  const size = useTerminalSize(fixed);
  const [ui, setUi] = useState<UiState>(() => initialState(sweepId));
  const uiRef = useRef(ui);
  uiRef.current = ui;

  const width = Math.max(20, size.columns);
  // Inline, one more row stays free so that the run's first line is not scrolled away.
  const rows = size.rows - (inline ? 1 : 0);
  const body = Math.max(3, rows - CHROME);
  // Large terminals keep the event log (and workers, if wide) in view below the main panel.
  const strip = rows >= 40 && ui.detail === null && ui.panel !== "events" && ui.panel !== "workers";
  const stripHeight = strip ? Math.min(14, Math.floor(body / 3)) : 0;
  const mainHeight = body - stripHeight;

  // Only what the views show travels: one page of trials, curves at the charts' resolution.
  const request: SnapshotRequest = {
    ...(ui.sweepId === undefined ? {} : { sweepId: ui.sweepId }),
    trials: {
      ...trialsWindow(ui.cursor.trials, Math.max(1, mainHeight - 1)),
      sort: ui.sort,
      reverse: ui.reverse,
      filter: ui.filter.trials,
    },
  };
  const requestKey = JSON.stringify(request);
  const snap = usePoll(() => source.snapshot(request), intervalMs, [source, requestKey]);
  const maxPoints = Math.min(MAX_POINTS, Math.max(50, 2 * width));
  const detail = usePoll(
    ui.detail === null ? null : () => source.trialDetail(ui.detail!, maxPoints),
    intervalMs,
    [source, ui.detail, maxPoints],
  );
  const snapshot = snap.data;
  // Runs after the frame with the snapshot was written: heavy work may start now.
  const drawn = snapshot !== undefined;
  useEffect(() => {
    if (drawn) source.shown?.();
  }, [drawn, source]);
  const page = snapshot?.trials;
  const trials = page?.items ?? [];
  const events = useMemo(
    () => (snapshot ? logEvents(snapshot.events, ui.filter.events) : []),
    [snapshot, ui.filter.events],
  );

  const lengthOf = (panel: UiState["panel"]) =>
    panel === "sweeps"
      ? (snapshot?.sweeps.length ?? 0)
      : panel === "trials"
        ? (page?.total ?? 0)
        : panel === "workers"
          ? (snapshot?.workers.length ?? 0)
          : panel === "events"
            ? events.length
            : (snapshot?.comparison?.rows.length ?? 0);

  const run = useCallback(
    (effect: Effect) => {
      if (effect.type === "quit") {
        onQuit?.();
        exit();
        return;
      }
      const say = (message: string) => setUi((s) => ({ ...s, message }));
      const done =
        effect.type === "cancel"
          ? source.cancel(effect.trialId)
          : effect.type === "pause"
            ? source.pause(effect.sweepId)
            : source.resume(effect.sweepId);
      done.then(
        (r) => {
          say(r.message);
          snap.refresh();
        },
        (e: Error) => say(e.message),
      );
    },
    [source, exit, onQuit, snap],
  );

  // The key handler reads the latest render's data through a ref: Ink re-subscribes a new
  // handler only after React's passive effects run, and a key pressed in between must not see
  // the previous frame's lists.
  const live = useRef({ snapshot, trials, mainHeight, lengthOf });
  live.current = { snapshot, trials, mainHeight, lengthOf };

  useInput((input, key) => {
    const { snapshot, trials, mainHeight, lengthOf } = live.current;
    const s = uiRef.current;
    const cur = s.cursor[s.panel];
    const offset = snapshot?.trials.offset ?? 0;
    const trialId = s.detail ?? (s.panel === "trials" ? trials[cur - offset]?.id : undefined);
    const t =
      trialId === undefined
        ? undefined
        : (trials.find((x) => x.id === trialId) ?? snapshot?.running.find((x) => x.id === trialId));
    const sweep = snapshot?.sweeps.find((x) => x.id === snapshot.sweepId);
    const ctx: KeyContext = {
      length: lengthOf(s.panel),
      pageSize: Math.max(1, mainHeight - 1),
      sortKeys: snapshot ? sortKeys(snapshot.tasks, snapshot.hasBaselines) : ["number"],
      trialIds: trials.map((x) => x.id),
      trialOffset: offset,
      sweepIds: snapshot?.sweeps.map((x) => x.id) ?? [],
      trial: t ? { id: t.id, number: t.number, state: t.state } : null,
      sweep: sweep ? { id: sweep.id, status: sweep.status } : null,
    };
    let state = s;
    for (const [text, k] of splitKeys(input, key)) {
      const step = handleKey(state, text, k, ctx);
      state = step.state;
      if (step.effect) run(step.effect);
    }
    uiRef.current = state;
    setUi(state);
  });

  const status = (): { text: string; color?: string } => {
    if (ui.mode.kind === "filter") return { text: `/${ui.mode.draft}▏`, color: "cyan" };
    if (ui.mode.kind === "confirm-cancel")
      return {
        text: `Cancel trial ${ui.mode.number}? It stops on its worker and is not retried. [y/N]`,
        color: "yellow",
      };
    if (ui.message) return { text: ui.message, color: "cyan" };
    if (snap.error)
      return {
        text: `source: ${snap.error} (showing data from ${fmtAgo(snapshot?.at, Date.now())})`,
        color: "red",
      };
    const last = events[0];
    const sweep = snapshot?.sweeps.find((x) => x.id === snapshot.sweepId);
    // A finished sweep says so, whatever happened last (a worker joining is old news by then).
    if (sweep && (sweep.status === "completed" || sweep.status === "cancelled") && snapshot)
      return {
        text: `sweep ${sweep.id} ${sweep.status} ${fmtAgo(sweep.finishedAt, snapshot.at)}${last ? ` · last: ${last.message}` : ""}`,
      };
    return { text: last ? `last: ${last.message}` : "" };
  };

  const right =
    ui.panel === "trials"
      ? `sort ${sortLabel(ui.sort)}${ui.reverse ? "↑" : ""}${ui.filter.trials ? ` · filter "${ui.filter.trials}"` : ""} · ${page?.total ?? 0}/${snapshot?.trialCount ?? 0} · ${snapshot?.split ?? "val"} split`
      : ui.panel === "events" && ui.filter.events
        ? `filter "${ui.filter.events}"`
        : ui.panel === "compare" && snapshot?.comparison?.split
          ? `${snapshot.comparison.split} split`
          : "";

  const main = () => {
    if (!snapshot) return null;
    if (ui.detail !== null)
      return (
        <TrialDetailView
          detail={detail.data?.trial.id === ui.detail ? detail.data : undefined}
          row={trials.find((t) => t.id === ui.detail)}
          curve={ui.curve}
          width={width}
          height={mainHeight}
        />
      );
    const cursor = ui.cursor[ui.panel];
    switch (ui.panel) {
      case "sweeps":
        return <SweepsView snapshot={snapshot} cursor={cursor} width={width} height={mainHeight} />;
      case "trials":
        return <TrialsView snapshot={snapshot} cursor={cursor} width={width} height={mainHeight} />;
      case "workers":
        return <WorkersView snapshot={snapshot} cursor={cursor} width={width} height={mainHeight} />;
      case "events":
        return <EventsView events={events} cursor={cursor} width={width} height={mainHeight} />;
      case "compare":
        return (
          <CompareView
            table={snapshot.comparison}
            pending={snapshot.analysisPending}
            cursor={cursor}
            width={width}
            height={mainHeight}
          />
        );
    }
  };

  const st = status();
  const wide = width >= 120;
  return (
    <Box flexDirection="column" width={width} height={rows - 1}>
      <Header snapshot={snapshot} width={width} />
      <TabBar panel={ui.panel} detail={ui.detail !== null} right={right} width={width} />
      <Box height={mainHeight} flexDirection="column">
        {main()}
      </Box>
      {strip && snapshot ? (
        <Box height={stripHeight} flexDirection="row">
          {wide ? (
            // Fixed widths: Ink lets a box shrink when its neighbour's lines are long.
            <Box width={Math.floor(width / 2)} marginRight={1} flexShrink={0}>
              <WorkersView
                snapshot={snapshot}
                cursor={-1}
                width={Math.floor(width / 2) - 1}
                height={stripHeight}
              />
            </Box>
          ) : null}
          <Box width={wide ? width - Math.floor(width / 2) - 1 : width} flexShrink={0}>
            <EventsView
              events={events}
              cursor={-1}
              width={wide ? width - Math.floor(width / 2) - 1 : width}
              height={stripHeight}
            />
          </Box>
        </Box>
      ) : null}
      <StatusLine text={st.text} color={st.color} width={width} />
      <HelpLine keys={hintsFor(ui, inline)} width={width} />
    </Box>
  );
}
