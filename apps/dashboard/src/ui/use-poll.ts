import { useEffect, useRef, useState } from "react";

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
export function usePoll<T>(load: (() => Promise<T>) | null, intervalMs: number, deps: readonly unknown[]): Polled<T> {
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
          setData(value);
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
    // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what reloads.
  }, deps);

  return { data, error, refresh: () => kick.current() };
}
