/** @jsxRuntime automatic @jsxImportSource react */
import { setTimeout as sleep } from "node:timers/promises";
import { cleanup, render } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteSource } from "../sqlite-source.ts";
import { buildBigSweep } from "./big-sweep.test-util.ts";
import { Dashboard } from "./Dashboard.tsx";

afterEach(() => cleanup());

async function until(frame: () => string, pattern: RegExp, ms: number): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    if (pattern.test(frame())) return frame();
    if (Date.now() > end) throw new Error(`timed out waiting for ${pattern} in:\n${frame()}`);
    await sleep(25);
  }
}

describe("the first frame of a large sweep", () => {
  it("draws 10,000 trials' first page before their comparison is computed, then fills in the ranks", async () => {
    const big = buildBigSweep(10_000);
    try {
      // What happened, in order: frames drawn (with or without trial rows) and comparisons computed.
      const order: string[] = [];
      const source = new SqliteSource({
        store: big.store,
        drawsHere: true,
        onAnalyzed: () => order.push("analyzed"),
      });
      const app = render(<Dashboard source={source} size={{ columns: 120, rows: 40 }} intervalMs={50} />);
      // Before any data: the frame says what it is doing.
      expect(app.lastFrame()).toMatch(/MTL Lab · loading…/);
      const write = app.stdout.write.bind(app.stdout);
      app.stdout.write = (frame: string) => {
        order.push(/^\s+0 completed single-task/m.test(frame) ? "rows" : "frame");
        write(frame);
      };
      const frame = () => app.lastFrame() ?? "";
      const first = await until(frame, /^\s+0 completed single-task/m, 120_000);
      // The first frame with rows shows the page of trials with their metrics, and no rank yet.
      expect(first).toMatch(/10000\/10000 100%/);
      expect(first).toMatch(/^\s+1 completed equal\s.*0\.737\s+0\.253\s+0\.7370\s+—\s+—\s/m);
      // Then the comparison fills in the ranks.
      await until(frame, /^\s+1 completed equal\s.*0\.7370\s+—\s+\d+\s/m, 120_000);
      const rows = order.indexOf("rows");
      const analyzed = order.indexOf("analyzed");
      expect(rows).toBeGreaterThanOrEqual(0);
      expect(analyzed).toBeGreaterThan(rows);
      app.unmount();
    } finally {
      big.cleanup();
    }
  }, 240_000);
});
