import { describe, expect, it } from "vitest";
import { handleKey, initialState, type KeyContext, type KeyInfo, splitKeys, type UiState } from "./state.ts";

const ctx: KeyContext = {
  length: 30,
  pageSize: 10,
  sortKeys: ["number", "state", "task:a"],
  trialOffset: 0,
  trialIds: Array.from({ length: 30 }, (_, i) => 100 + i),
  sweepIds: [1, 2],
  trial: { id: 100, number: 0, state: "running" },
  sweep: { id: 2, status: "running" },
};

function press(s: UiState, ...keys: (string | KeyInfo)[]) {
  let state = s;
  let effect: ReturnType<typeof handleKey>["effect"];
  for (const k of keys) {
    const step = typeof k === "string" ? handleKey(state, k, {}, ctx) : handleKey(state, "", k, ctx);
    state = step.state;
    effect = step.effect ?? effect;
  }
  return { state, effect };
}

describe("keys", () => {
  it("moves by rows and pages, within the list", () => {
    const s = initialState();
    expect(press(s, { downArrow: true }, { downArrow: true }).state.cursor.trials).toBe(2);
    expect(press(s, { upArrow: true }).state.cursor.trials).toBe(0);
    expect(
      press(s, { pageDown: true }, { pageDown: true }, { pageDown: true }, { pageDown: true }).state.cursor
        .trials,
    ).toBe(29);
    expect(press(s, { pageDown: true }, { pageUp: true }).state.cursor.trials).toBe(0);
  });

  it("opens a trial's detail with Enter, steps through trials with the arrows, and closes with Esc", () => {
    const { state } = press(initialState(), { downArrow: true }, { return: true });
    expect(state.detail).toBe(101);
    expect(press(state, { downArrow: true }).state.detail).toBe(102);
    expect(press(state, { escape: true }).state.detail).toBeNull();
  });

  it("switches panels with Tab (Shift-Tab back) and opens a sweep with Enter", () => {
    const s = initialState();
    expect(press(s, { tab: true }).state.panel).toBe("workers");
    expect(press(s, { tab: true, shift: true }).state.panel).toBe("sweeps");
    const opened = press(s, { escape: true }, { downArrow: true }, { return: true }).state;
    expect(opened.panel).toBe("trials");
    expect(opened.sweepId).toBe(2);
  });

  it("cycles the sort key with s and reverses with S", () => {
    const { state } = press(initialState(), "s", "s");
    expect(state.sort).toBe("task:a");
    expect(press(state, "s").state.sort).toBe("number");
    expect(press(state, "S").state.reverse).toBe(true);
  });

  it("edits a filter after / and applies it with Enter; Esc clears it", () => {
    const typed = press(initialState(), "/", "f", "i", "x", { backspace: true }, "q");
    expect(typed.state.mode).toEqual({ kind: "filter", draft: "fiq" });
    expect(typed.effect).toBeUndefined(); // q is text while filtering
    const applied = press(typed.state, { return: true }).state;
    expect(applied.filter.trials).toBe("fiq");
    expect(press(applied, { escape: true }).state.filter.trials).toBe("");
  });

  it("asks before cancelling, and cancels only on y", () => {
    const asked = press(initialState(), "c").state;
    expect(asked.mode).toEqual({ kind: "confirm-cancel", trialId: 100, number: 0 });
    expect(press(asked, "y").effect).toEqual({ type: "cancel", trialId: 100 });
    const kept = press(asked, "n");
    expect(kept.effect).toBeUndefined();
    expect(kept.state.message).toMatch(/not cancelled/);
  });

  it("refuses to cancel a finished trial", () => {
    const step = handleKey(
      initialState(),
      "c",
      {},
      { ...ctx, trial: { id: 1, number: 5, state: "completed" } },
    );
    expect(step.effect).toBeUndefined();
    expect(step.state.mode.kind).toBe("normal");
    expect(step.state.message).toMatch(/trial 5 is completed/);
  });

  it("pauses a running sweep and resumes a paused one", () => {
    expect(handleKey(initialState(), "p", {}, ctx).effect).toEqual({ type: "pause", sweepId: 2 });
    expect(handleKey(initialState(), "p", {}, { ...ctx, sweep: { id: 2, status: "paused" } }).effect).toEqual(
      {
        type: "resume",
        sweepId: 2,
      },
    );
    expect(
      handleKey(initialState(), "p", {}, { ...ctx, sweep: { id: 2, status: "completed" } }).effect,
    ).toBeUndefined();
  });

  it("quits on q and on Ctrl-C", () => {
    expect(press(initialState(), "q").effect).toEqual({ type: "quit" });
    expect(handleKey(initialState(), "c", { ctrl: true }, ctx).effect).toEqual({ type: "quit" });
  });
});

describe("splitKeys", () => {
  it("splits a run of typed text into key presses", () => {
    expect(splitKeys("/ab\r", {})).toEqual([
      ["/", {}],
      ["a", {}],
      ["b", {}],
      ["", { return: true }],
    ]);
    expect(splitKeys("q", {})).toEqual([["q", {}]]);
    expect(splitKeys("\u001b[A", { upArrow: true })).toEqual([["\u001b[A", { upArrow: true }]]);
  });
});
