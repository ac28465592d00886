import { useEffect, useRef, useState } from "react";

/** The value as JSON without its `at` time stamp, to tell whether anything changed. */
function fingerprint(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, k, v) {
    return k === "at" && this === value ? undefined : v;
  });
}

export interface Polled<T> {
  data: T | undefined;
  error: string | null;
  /** Fetch again now (after an action), without waiting for the next tick. */
  refresh: () => void;
}

/**
 * Calls `load` now and every `intervalMs` while mounted, one call at a time, and again whenever
 * `deps` change. Keeps the last good value when a call fails (a coordinator restarting should
 * not blank the screen) and reports the error beside it.
 */
export function usePoll<T>(
  load: (() => Promise<T>) | null,
  intervalMs: number,
  deps: readonly unknown[],
): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const kick = useRef<() => void>(() => {});

  useEffect(() => {
    if (!load) {
      setData(undefined);
      return;
    }
    let stopped = false;
    let busy = false;
    let again = false;
    let timer: NodeJS.Timeout | undefined;
    let last: string | undefined;
    const tick = async () => {
      if (stopped) return;
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      clearTimeout(timer);
      try {
        const value = await load();
        if (!stopped) {
          // Nothing new (a finished sweep, a quiet moment): skip the redraw.
          const key = fingerprint(value);
          if (key !== last) setData(value);
          last = key;
          setError(null);
        }
      } catch (e) {
        if (!stopped) setError((e as Error).message);
      } finally {
        busy = false;
        if (!stopped) timer = setTimeout(tick, again ? 0 : intervalMs);
        again = false;
      }
    };
    kick.current = () => void tick();
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);

  return { data, error, refresh: () => kick.current() };
}
