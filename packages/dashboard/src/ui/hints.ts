/** The help line's key hints for what is on screen. */
import type { Hint } from "./Chrome.tsx";
import type { UiState } from "./state.ts";

export function hintsFor(s: UiState, inline: boolean): Hint[] {
  const quit: Hint = ["q", inline ? "stop run" : "quit", 10];
  if (s.mode.kind === "filter")
    return [
      ["type", "filter (state:running method:pcgrad seed:0 or any text)", 5],
      ["⏎", "apply", 9],
      ["Esc", "clear", 9],
    ];
  if (s.mode.kind === "confirm-cancel")
    return [
      ["y", `cancel trial ${s.mode.number}`, 10],
      ["any other key", "keep it", 9],
    ];
  const move: Hint[] = [
    ["↑↓", "move", 8],
    ["PgUp/PgDn", "page", 3],
  ];
  const common: Hint[] = [["p", "pause", 6], ["Tab", "panel", 7], ["Esc", "back", 2], quit];
  if (s.detail !== null)
    return [
      ["↑↓", "prev/next trial", 8],
      ["l", s.curve === "metric" ? "show loss" : "show metric", 6],
      ["c", "cancel trial", 6],
      ["p", "pause", 5],
      ["Esc", "back", 9],
      quit,
    ];
  switch (s.panel) {
    case "sweeps":
      return [...move, ["⏎", "open sweep", 9], ...common];
    case "trials":
      return [
        ...move,
        ["⏎", "detail", 9],
        ["s", "sort", 6],
        ["S", "reverse", 1],
        ["/", "filter", 6],
        ["c", "cancel", 6],
        ...common,
      ];
    case "events":
      return [...move, ["/", "filter", 6], ...common];
    default:
      return [...move, ...common];
  }
}
