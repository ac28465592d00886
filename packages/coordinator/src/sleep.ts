/**
 * Resolves after `ms`, or at once when `signal` aborts, and leaves no listener on `signal`: a
 * long-lived signal (a coordinator's, polled every second for days) must not gather one per wait.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
