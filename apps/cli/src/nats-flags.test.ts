import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it, vi } from "vitest";
import { stopOnSignals } from "./nats-flags.ts";

describe("stopOnSignals", () => {
  it("stops once; a repeat within a second is the same Ctrl-C relayed, a later one exits", async () => {
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    let stops = 0;
    const s = stopOnSignals(() => stops++);
    try {
      s.stop(); // what SIGINT and SIGTERM call
      s.stop(); // a launcher relaying the same Ctrl-C
      expect(stops).toBe(1);
      expect(s.signal.aborted).toBe(true);
      expect(exit).not.toHaveBeenCalled();
      await sleep(1100);
      s.stop(); // a second press
      expect(exit).toHaveBeenCalledWith(130);
      expect(process.listeners("SIGINT")).toContain(s.stop);
    } finally {
      s.dispose();
      exit.mockRestore();
    }
    expect(process.listeners("SIGINT")).not.toContain(s.stop);
  });
});
