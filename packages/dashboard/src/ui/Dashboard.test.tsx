/** @jsxRuntime automatic @jsxImportSource react */
import { setTimeout as sleep } from "node:timers/promises";
import type { SnapshotRequest } from "@mtl/bus";
import { buildFixture } from "@mtl/coordinator/testing";
import { cleanup, render } from "ink-testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SqliteSource } from "../sqlite-source.ts";
import { Dashboard, trialsWindow } from "./Dashboard.tsx";

const KEY = { down: "\u001b[B", up: "\u001b[A", enter: "\r", esc: "\u001b", tab: "\t", pgdn: "\u001b[6~" };

let f: ReturnType<typeof buildFixture>;
beforeEach(() => {
  f = buildFixture();
});
afterEach(() => {
  cleanup();
  f.cleanup();
});

async function until(frame: () => string | undefined, pattern: RegExp, ms = 3000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = frame() ?? "";
    if (pattern.test(text)) return text;
    if (Date.now() > end) throw new Error(`timed out waiting for ${pattern} in:\n${text}`);
    await sleep(20);
  }
}

function mount(size = { columns: 80, rows: 24 }, onQuit?: () => void) {
  const source = new SqliteSource({ store: f.store });
  const app = render(<Dashboard source={source} size={size} intervalMs={50} onQuit={onQuit} />);
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      app.stdin.write(k);
      await sleep(30);
    }
  };
  return { app, press, frame: () => app.lastFrame() ?? "" };
}

describe("Dashboard", () => {
  it("shows the sweep's progress and its trials with metrics and Δm%, within 80×24", async () => {
    const { frame } = mount();
    // The first frame comes before the comparison; Δm% and ranks follow.
    const text = await until(frame, /\+3\.[78]%/);
    expect(text).toMatch(/sweep 1 fixture running .* 7\/9 77%/);
    expect(text).toMatch(/sort # · 9\/9 · val split/);
    expect(text).toMatch(/queued 1 {2}running 1 {2}completed 5 {2}failed 1 {2}pruned 1/);
    expect(text).toMatch(/task1 acc\s+task2 mse\s+objective\s+Δm%\s+time/);
    // One number of decimals per column; the objective and the time each trial took.
    expect(text).toMatch(/2 completed equal\s+—\s+0\.880\s+0\.180\s+0\.8800\s+\+3\.8%\s+\d+ms/);
    expect(text).toMatch(/4 completed fixed\s+0\.5\/1\.5.*\+20\.0%/);
    // The selected trial in full under the table.
    expect(text).toMatch(/^#0 single-task · seed 0 · attempt 1\/3 · local-1/m);
    expect(text).toMatch(/q quit/);
    const lines = text.split("\n");
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
  });

  it("opens a trial's detail with curves and weights as charts, and goes back with Esc", async () => {
    const { frame, press } = mount();
    await until(frame, /strategy/);
    await press(KEY.down, KEY.down, KEY.down, KEY.down, KEY.enter);
    // The detail view's own header (the list's footer also names the selected trial's attempt).
    const text = await until(frame, /trial 4 · fixed · seed 0 · λ 0\.5\/1\.5/);
    expect(text).toMatch(/attempt 1\/3/);
    expect(text).toMatch(/task1 accuracy ━ train ━ val/);
    expect(text).toMatch(/task2 mse ━ train ━ val/);
    expect(text).toMatch(/λ weights ━ task1 ━ task2/);
    expect(text).toMatch(/[\u2801-\u28ff]/); // braille dots were drawn
    await press("l");
    await until(frame, /task1 loss ━ train/);
    await press(KEY.down);
    await until(frame, /trial 5 · fixed · seed 1/);
    expect(await until(frame, /NaN loss/)).toMatch(/failed/);
    await press(KEY.esc);
    await until(frame, /strategy\s+λ/);
  });

  it("sorts with s, filters with /, and switches panels with Tab", async () => {
    const { frame, press } = mount();
    await until(frame, /strategy/);
    await press("s");
    await until(frame, /sort state/);
    // The server sorts: the next page to arrive has the running trial first.
    const sorted = await until(frame, /# +state.*\n +\d+ running/);
    const rows = sorted.split("\n").filter((l) => /^\s+\d+ (running|queued|completed|failed|pruned)/.test(l));
    expect(rows.map((l) => l.trim().split(/\s+/)[1])).toEqual([
      "running",
      "queued",
      "failed",
      "pruned",
      "completed",
      "completed",
      "completed",
      "completed",
      "completed",
    ]);
    await press("/", "f", "i", "x", "e", "d", KEY.enter);
    // The page the server filtered arrives with its count.
    const filtered = await until(frame, /filter "fixed" · 4\/9/);
    expect(filtered).not.toMatch(/single-task/);
    await press(KEY.tab);
    const workers = await until(frame, /heartbeat/);
    expect(workers).toMatch(/local-1\s+box\s+cpu\s+wasm\s+busy\s+#6/);
    await press(KEY.tab);
    const events = await until(frame, /event\s+message/);
    expect(events).toMatch(/trial\.failed\s+trial 5 failed: NaN loss/);
    expect(events).toMatch(/worker\.left/);
    // A trial's start and end are events too, not only its failures.
    expect(events).toMatch(/trial\.(started|completed)\s+trial \d+/);
    await press(KEY.tab);
    const compare = await until(frame, /rank configuration/);
    expect(compare).toMatch(/equal .*\+3\.\d%/);
    await press(KEY.tab);
    await until(frame, /id sweep\s+status/);
  });

  it("cancels a trial after confirmation and pauses the sweep", async () => {
    const { frame, press } = mount();
    await until(frame, /strategy/);
    await press(...Array(6).fill(KEY.down), "c");
    await until(frame, /Cancel trial 6\?/);
    await press("y");
    await until(frame, /trial 6 cancelled/);
    await until(frame, /6 cancelled/);
    expect(f.store.trialsOf(f.sweepId).find((t) => t.number === 6)!.state).toBe("cancelled");
    await press("p");
    await until(frame, /sweep 1 paused/);
    expect(f.store.getSweep(f.sweepId)!.status).toBe("paused");
    await until(frame, /ETA — \(paused\)/);
    await press("p");
    await until(frame, /sweep 1 resumed/);
  });

  it("follows the store as it changes", async () => {
    const { frame } = mount();
    await until(frame, /7\/9/);
    const queued = f.store.trialsOf(f.sweepId, ["queued"])[0]!;
    f.store.cancelTrial(queued.id);
    await until(frame, /8\/9/);
  });

  it("uses the room of a large terminal for workers and events beside the trials", async () => {
    const { frame } = mount({ columns: 160, rows: 48 });
    const text = await until(frame, /heartbeat/);
    expect(text).toMatch(/strategy/);
    expect(text).toMatch(/worker\.left/);
    expect(text.split("\n").length).toBeLessThanOrEqual(47);
  });

  it("asks the source for the page it shows, not the whole sweep", async () => {
    // 600 more queued trials: more than a snapshot may carry at once.
    const first = f.store.trialsOf(f.sweepId)[7]!;
    f.store.planTrials(
      f.sweepId,
      Array.from({ length: 600 }, (_, i) => ({
        configKey: `extra-${i}`,
        seed: i,
        method: "equal",
        params: first.params,
        config: { ...first.config, seed: i },
      })),
    );
    const inner = new SqliteSource({ store: f.store });
    const asked: SnapshotRequest[] = [];
    const sizes: number[] = [];
    const source = Object.assign(Object.create(inner) as SqliteSource, {
      snapshot: async (request?: SnapshotRequest) => {
        asked.push(request ?? {});
        const s = await inner.snapshot(request);
        sizes.push(s.trials.items.length);
        return s;
      },
    });
    const app = render(<Dashboard source={source} size={{ columns: 80, rows: 24 }} intervalMs={50} />);
    const frame = () => app.lastFrame() ?? "";
    await until(frame, /· 609\/609/);
    app.stdin.write("G");
    const end = await until(frame, /^\s+608 queued/m);
    expect(end).toMatch(/^59\d–609\/609 #608 /m); // the rows shown, numbered in the whole list
    // Each answer is the page asked for: three screenfuls at most, never the 609 trials.
    asked.forEach((a, k) => {
      expect(sizes[k]).toBeLessThanOrEqual(a.trials!.limit!);
      expect(a.trials!.limit).toBeLessThanOrEqual(3 * 24);
    });
    const rows = asked.at(-1)!.trials!.limit! / 3;
    expect(asked.at(-1)!.trials!.offset).toBe(trialsWindow(608, rows).offset);
  });

  it("pages around the cursor: the screenful it is on and one either side", () => {
    expect(trialsWindow(0, 10)).toEqual({ offset: 0, limit: 30 });
    expect(trialsWindow(15, 10)).toEqual({ offset: 0, limit: 30 });
    expect(trialsWindow(25, 10)).toEqual({ offset: 10, limit: 30 });
    expect(trialsWindow(10_000, 200)).toEqual({ offset: 9800, limit: 500 });
  });

  it("calls onQuit on q", async () => {
    const onQuit = vi.fn();
    const { frame, press } = mount(undefined, onQuit);
    await until(frame, /strategy/);
    await press("q");
    expect(onQuit).toHaveBeenCalledOnce();
  });
});
