/** Long curves cut to what a chart can show: a trial of 10,000 epochs must not travel whole. */
import type { Series } from "@mtl/bus/core";
import { LTTB } from "downsample";

/** Points per series a trial's detail carries when the view does not say. */
export const DEFAULT_MAX_POINTS = 1000;

/**
 * The series with at most `maxPoints` points each, by largest-triangle-three-buckets (Steinarsson
 * 2013), which keeps the first and last points and the peaks a line chart would show. Non-finite
 * values (a diverged evaluation) cannot be drawn and are left out of a downsampled series.
 */
export function downsampleSeries(series: readonly Series[], maxPoints = DEFAULT_MAX_POINTS): Series[] {
  return series.map((s) => {
    if (s.points.length <= maxPoints) return s;
    const finite = s.points.filter(([, v]) => Number.isFinite(v));
    const points = finite.length <= maxPoints ? finite : (LTTB(finite, maxPoints) as [number, number][]);
    return { ...s, points };
  });
}
