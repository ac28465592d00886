/**
 * Text forms for narrow terminal columns. Numbers, percentages and durations are the analysis
 * package's formatter (every view prints them the same way); this module only adds what is
 * terminal-specific: fitting text to a width, clock times, "ago".
 */
import {
  fmtDuration as duration,
  fmtNumber,
  fmtValue,
  MISSING,
  fmtPct as pct,
  shortName,
} from "@mtl/analysis";

/** A lone number in `digits` significant digits ("—" when missing). */
export function fmtNum(x: number | null | undefined, digits = 4): string {
  return fmtNumber(x, digits);
}

/** A signed percentage, e.g. "+3.2%"; never "-0.0%". */
export function fmtPct(x: number | null | undefined): string {
  return pct(x, 1);
}

/** "850ms", "4.3s", "42s", "3m05s", "2h10m". */
export function fmtDuration(ms: number | null | undefined): string {
  return duration(ms);
}

/** "3s ago" from two timestamps. */
export function fmtAgo(then: number | null | undefined, now: number): string {
  if (then == null) return MISSING;
  return `${duration(Math.max(0, now - then))} ago`;
}

/** Wall-clock time of day, HH:MM:SS (local). */
export function fmtClock(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** Task weights as "0.5/1.5" in task order (absent = 1). */
export function fmtWeights(weights: Record<string, number> | null, tasks: readonly string[]): string {
  if (!weights) return MISSING;
  return tasks.map((t) => fmtNumber(weights[t] ?? 1, 2)).join("/");
}

/** Parameters, e.g. "lr=0.003 hidden=64" (the short names and values every table uses). */
export function fmtParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${shortName(k)}=${fmtValue(v)}`)
    .join(" ");
}

/** Cuts text to `width` columns with an ellipsis; pads to exactly `width` when `pad`. */
export function fit(text: string, width: number, pad = false, align: "left" | "right" = "left"): string {
  if (width <= 0) return "";
  const chars = [...text];
  const cut = chars.length > width ? `${chars.slice(0, Math.max(0, width - 1)).join("")}…` : text;
  if (!pad) return cut;
  const n = [...cut].length;
  return align === "left" ? cut + " ".repeat(width - n) : " ".repeat(width - n) + cut;
}

/** A worker's device as a column shows it: `2 cpu`, `gpu:0 H200`, `no gpu` (the heartbeat has it in full). */
export function shortDevice(device: string): string {
  const cpu = /^cpu: (\d+) core/.exec(device);
  if (cpu) return `${cpu[1]} cpu`;
  const gpu = /^gpu:(\d+) (?:NVIDIA )?(.+)$/.exec(device);
  if (gpu) return `gpu:${gpu[1]} ${gpu[2]}`;
  if (/^gpu: none/.test(device)) return "no gpu";
  return device;
}
