import { setTimeout as delay } from "node:timers/promises";

export interface RetryOptions {
  /** Give up after this long. @default 120000 */
  deadlineMs?: number;
  /** Stop retrying once this returns true (the bus was closed). */
  stopped?: () => boolean;
  onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Runs `fn` until it succeeds, backing off from 100 ms to 2 s: while nats-server restarts,
 * publishes time out or find no responders, and the same call succeeds a few seconds later.
 * Only idempotent calls (publishes with a message id, acks) may be retried this way.
 */
export async function retry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.deadlineMs ?? 120_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline || options.stopped?.()) throw error;
      options.onRetry?.(error, attempt);
      await delay(Math.min(2000, 100 * 2 ** Math.min(attempt - 1, 5)));
    }
  }
}
