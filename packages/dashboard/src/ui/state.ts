/**
 * The dashboard's interaction state and what each key does to it, as a pure function: keys in,
 * new state and at most one effect (an action on the data source, or quitting) out.
 */
import type { SortKey } from "@mtl/bus";
import { nextSortKey } from "../calc/sort-keys.ts";

export const PANELS = ["sweeps", "trials", "workers", "events", "compare"] as const;
export type Panel = (typeof PANELS)[number];

export type Mode =
  | { kind: "normal" }
  | { kind: "filter"; draft: string }
  | { kind: "confirm-cancel"; trialId: number; number: number };

export interface UiState {
  panel: Panel;
  /** Trial whose detail is open, or null. */
  detail: number | null;
  /** Sweep chosen in the sweeps panel; undefined follows the latest. */
  sweepId: number | undefined;
  cursor: Record<Panel, number>;
  sort: SortKey;
  reverse: boolean;
  filter: { trials: string; events: string };
  mode: Mode;
  /** A one-line note for the status line (results of actions, refusals). */
  message: string | null;
  /** What the detail view charts: each task's own metric, or its loss. */
  curve: "metric" | "loss";
}

export type Effect =
  | { type: "cancel"; trialId: number }
  | { type: "pause"; sweepId: number }
  | { type: "resume"; sweepId: number }
  | { type: "quit" };

/** The subset of Ink's Key this reducer reads. */
export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  tab?: boolean;
  shift?: boolean;
  backspace?: boolean;
  delete?: boolean;
  ctrl?: boolean;
  meta?: boolean;
}

/** What the reducer needs to know about the data on screen. */
export interface KeyContext {
  /** Rows of the current panel's list. */
  length: number;
  /** Rows visible at once (PgUp/PgDn step). */
  pageSize: number;
  sortKeys: readonly SortKey[];
  /** Trial ids of the page of the trials list the source sent (sorted, filtered). */
  trialIds: readonly number[];
  /** Position of `trialIds[0]` in the whole list. */
  trialOffset: number;
  /** Sweep ids of the sweeps list. */
  sweepIds: readonly number[];
  /** The trial under the cursor or in detail: its id, number and whether it can be cancelled. */
  trial: { id: number; number: number; state: string } | null;
  /** The sweep being shown. */
  sweep: { id: number; status: string } | null;
}

export function initialState(sweepId?: number): UiState {
  return {
    panel: "trials",
    detail: null,
    sweepId,
    cursor: { sweeps: 0, trials: 0, workers: 0, events: 0, compare: 0 },
    sort: "number",
    reverse: false,
    filter: { trials: "", events: "" },
    mode: { kind: "normal" },
    message: null,
    curve: "metric",
  };
}

export interface Step {
  state: UiState;
  effect?: Effect;
}

const clamp = (n: number, length: number) => Math.max(0, Math.min(n, Math.max(0, length - 1)));
const CANCELLABLE = new Set(["queued", "running"]);

function move(s: UiState, to: number, ctx: KeyContext): UiState {
  const at = clamp(to, ctx.length);
  const cursor = { ...s.cursor, [s.panel]: at };
  // In the detail view the arrows step through the trials list.
  const detail = s.detail !== null ? (ctx.trialIds[at - ctx.trialOffset] ?? s.detail) : null;
  return { ...s, cursor, detail };
}

/** Applies one key press. */
export function handleKey(s: UiState, input: string, key: KeyInfo, ctx: KeyContext): Step {
  const state = { ...s, message: null };
  if (key.ctrl && input === "c") return { state, effect: { type: "quit" } };

  if (s.mode.kind === "filter") {
    const field = s.panel === "events" ? "events" : "trials";
    if (key.return)
      return {
        state: { ...state, mode: { kind: "normal" }, filter: { ...s.filter, [field]: s.mode.draft } },
      };
    if (key.escape)
      return { state: { ...state, mode: { kind: "normal" }, filter: { ...s.filter, [field]: "" } } };
    if (key.backspace || key.delete)
      return { state: { ...state, mode: { kind: "filter", draft: s.mode.draft.slice(0, -1) } } };
    if (key.ctrl && input === "u") return { state: { ...state, mode: { kind: "filter", draft: "" } } };
    if (input && !key.ctrl && !key.meta && !key.tab)
      return { state: { ...state, mode: { kind: "filter", draft: s.mode.draft + input } } };
    return { state: s };
  }

  if (s.mode.kind === "confirm-cancel") {
    const { trialId, number } = s.mode;
    const normal = { ...state, mode: { kind: "normal" } as Mode };
    if (input === "y" || input === "Y") return { state: normal, effect: { type: "cancel", trialId } };
    return { state: { ...normal, message: `trial ${number} not cancelled` } };
  }

  const cur = s.cursor[s.panel];
  if (input === "q") return { state, effect: { type: "quit" } };
  if (key.tab) {
    const i = PANELS.indexOf(s.panel);
    const next = PANELS[(i + (key.shift ? PANELS.length - 1 : 1)) % PANELS.length]!;
    return { state: { ...state, panel: next, detail: null } };
  }
  if (key.upArrow || input === "k") return { state: move(state, cur - 1, ctx) };
  if (key.downArrow || input === "j") return { state: move(state, cur + 1, ctx) };
  if (key.pageUp) return { state: move(state, cur - Math.max(1, ctx.pageSize), ctx) };
  if (key.pageDown) return { state: move(state, cur + Math.max(1, ctx.pageSize), ctx) };
  if (key.home || input === "g") return { state: move(state, 0, ctx) };
  if (key.end || input === "G") return { state: move(state, ctx.length - 1, ctx) };

  if (key.return) {
    if (s.panel === "sweeps") {
      const id = ctx.sweepIds[cur];
      if (id === undefined) return { state };
      const cursor = { ...s.cursor, trials: 0, events: 0, compare: 0 };
      return { state: { ...state, sweepId: id, panel: "trials", cursor, detail: null } };
    }
    if (s.panel === "trials" && s.detail === null) {
      const id = ctx.trialIds[cur - ctx.trialOffset];
      return { state: id === undefined ? state : { ...state, detail: id } };
    }
    return { state };
  }
  if (key.escape) {
    if (s.detail !== null) return { state: { ...state, detail: null } };
    if (s.panel === "trials" && s.filter.trials)
      return { state: { ...state, filter: { ...s.filter, trials: "" } } };
    if (s.panel === "events" && s.filter.events)
      return { state: { ...state, filter: { ...s.filter, events: "" } } };
    if (s.panel !== "sweeps") return { state: { ...state, panel: "sweeps" } };
    return { state };
  }

  if (input === "l" && s.detail !== null)
    return { state: { ...state, curve: s.curve === "metric" ? "loss" : "metric" } };
  if (input === "s" && s.panel === "trials" && s.detail === null)
    return {
      state: { ...state, sort: nextSortKey(s.sort, ctx.sortKeys), cursor: { ...s.cursor, trials: 0 } },
    };
  if (input === "S" && s.panel === "trials" && s.detail === null)
    return { state: { ...state, reverse: !s.reverse } };
  if (input === "/" && (s.panel === "trials" || s.panel === "events") && s.detail === null) {
    const draft = s.panel === "events" ? s.filter.events : s.filter.trials;
    return { state: { ...state, mode: { kind: "filter", draft }, cursor: { ...s.cursor, [s.panel]: 0 } } };
  }
  if (input === "c" && (s.panel === "trials" || s.detail !== null)) {
    const t = ctx.trial;
    if (!t) return { state };
    if (!CANCELLABLE.has(t.state))
      return { state: { ...state, message: `trial ${t.number} is ${t.state}: nothing to cancel` } };
    return { state: { ...state, mode: { kind: "confirm-cancel", trialId: t.id, number: t.number } } };
  }
  if (input === "p") {
    const sw = ctx.sweep;
    if (!sw) return { state };
    if (sw.status === "running") return { state, effect: { type: "pause", sweepId: sw.id } };
    if (sw.status === "paused") return { state, effect: { type: "resume", sweepId: sw.id } };
    return { state: { ...state, message: `sweep ${sw.id} is ${sw.status}: nothing to pause` } };
  }
  return { state: s };
}

/**
 * Splits a run of typed text into single key presses. Ink hands over what arrived in one read
 * as one event, so a fast typist (or tmux send-keys) can deliver "/fixed\r" at once.
 */
export function splitKeys(input: string, key: KeyInfo): [string, KeyInfo][] {
  const chars = [...input];
  if (chars.length <= 1 || key.ctrl || key.meta || input.startsWith("\u001b")) return [[input, key]];
  return chars.map((ch): [string, KeyInfo] => {
    if (ch === "\r" || ch === "\n") return ["", { return: true }];
    if (ch === "\t") return ["", { tab: true }];
    if (ch === "\u007f" || ch === "\b") return ["", { backspace: true }];
    return [ch, {}];
  });
}
