/** @jsxRuntime automatic @jsxImportSource react */
/** The fixed lines around the panels: the tab bar, the status line and the help line. */
import { Text } from "ink";
import { fit } from "../calc/format.ts";
import { PANELS, type Panel } from "./state.ts";

const TITLES: Record<Panel, string> = {
  sweeps: "Sweeps",
  trials: "Trials",
  workers: "Workers",
  events: "Events",
  compare: "Compare",
};

export function TabBar({
  panel,
  detail,
  right,
  width,
}: {
  panel: Panel;
  detail: boolean;
  right: string;
  width: number;
}) {
  const tabs = PANELS.map((p) => ` ${TITLES[p]}${p === "trials" && detail ? "›detail" : ""} `);
  const used = tabs.reduce((s, t) => s + t.length, 0);
  return (
    <Text wrap="truncate">
      {PANELS.map((p, i) => (
        <Text key={p} inverse={p === panel} bold={p === panel} dimColor={p !== panel}>
          {tabs[i]}
        </Text>
      ))}
      <Text dimColor>{fit(right, Math.max(0, width - used - 1), true, "right")}</Text>
    </Text>
  );
}

export function StatusLine({ text, color, width }: { text: string; color?: string; width: number }) {
  return (
    <Text wrap="truncate" color={color} dimColor={!color}>
      {fit(text, width) || " "}
    </Text>
  );
}

/** A key hint: the key, what it does, and how much it matters when the line is short. */
export type Hint = [key: string, what: string, priority: number];

/** Key hints on one line; when they do not fit, the least important go first. */
export function HelpLine({ keys, width }: { keys: Hint[]; width: number }) {
  const shown = [...keys];
  const length = (hs: Hint[]) => hs.reduce((s, [k, w]) => s + k.length + w.length + 3, 0);
  while (shown.length > 1 && length(shown) > width) {
    let drop = 0;
    shown.forEach((h, i) => {
      if (h[2] < shown[drop]![2]) drop = i;
    });
    shown.splice(drop, 1);
  }
  return (
    <Text wrap="truncate">
      {shown.map(([key, what]) => (
        <Text key={key}>
          <Text bold color="cyan">
            {key}
          </Text>
          <Text dimColor> {what} </Text>
        </Text>
      ))}
    </Text>
  );
}
