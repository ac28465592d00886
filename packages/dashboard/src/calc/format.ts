/** Short text forms of numbers, durations and parameters for narrow columns. */

/** A metric value in 4 significant digits ("–" when missing). */
export function fmtNum(x: number | null | undefined, digits = 4): string {
  if (x == null || !Number.isFinite(x)) return "–";
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(1);
  return Number(x.toPrecision(digits)).toString();
}

/** A signed percentage, e.g. "+3.2%". */
export function fmtPct(x: number | null | undefined): string {
  if (x == null || !Number.isFinite(x)) return "–";
  return `${x > 0 ? "+" : ""}${x.toFixed(1)}%`;
}

/** "42s", "3m05s", "2h10m". */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return "–";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, "0")}m`;
}

/** "3s ago" from two timestamps. */
export function fmtAgo(then: number | null | undefined, now: number): string {
  if (then == null) return "–";
  return `${fmtDuration(Math.max(0, now - then))} ago`;
}

/** Wall-clock time of day, HH:MM:SS (local). */
export function fmtClock(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** Task weights as "0.5/1.5" in task order (absent = 1). */
export function fmtWeights(weights: Record<string, number> | null, tasks: readonly string[]): string {
  if (!weights) return "–";
  return tasks.map((t) => fmtNum(weights[t] ?? 1, 2)).join("/");
}

const SHORT: Record<string, string> = {
  learningRate: "lr",
  batchSize: "bs",
  weightDecay: "wd",
  architecture: "arch",
};

/** Key parameters, e.g. "lr=0.003 hidden=64". */
export function fmtParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => {
      const key = SHORT[k] ?? k;
      if (typeof v === "number") return `${key}=${fmtNum(v, 3)}`;
      if (v && typeof v === "object") return `${key}=${JSON.stringify(v)}`;
      return `${key}=${String(v)}`;
    })
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
