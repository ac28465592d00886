import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sleep } from "./sleep.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("sleep", () => {
  it("leaves no abort listener behind, however many times it waits on one signal", async () => {
    vi.useFakeTimers();
    const stop = new AbortController();
    for (let i = 0; i < 50; i++) {
      const wait = sleep(1000, stop.signal);
      await vi.advanceTimersByTimeAsync(1000);
      await wait;
    }
    expect(getEventListeners(stop.signal, "abort")).toHaveLength(0);
  });

  it("ends at once when the signal aborts", async () => {
    vi.useFakeTimers();
    const stop = new AbortController();
    let done = false;
    const wait = sleep(60_000, stop.signal).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(done).toBe(false);
    stop.abort();
    await wait;
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
