import { closeSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { answerDashboard, DASH_SUBJECTS, DashboardClient, type Requester } from "@mtl/bus";
import { createDashboardService, loadSnapshot } from "@mtl/coordinator";
import { buildFixture } from "@mtl/coordinator/testing";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NatsSource } from "./nats-source.ts";
import { SqliteSource } from "./sqlite-source.ts";

let f: ReturnType<typeof buildFixture>;
beforeEach(() => {
  f = buildFixture();
});
afterEach(() => f.cleanup());

describe("SqliteSource", () => {
  it("reads a file read-only and writes actions through the store", async () => {
    const source = new SqliteSource({ path: f.path });
    const s = await source.snapshot();
    const queued = s.trials.items.find((t) => t.state === "queued")!;
    const done = s.trials.items.find((t) => t.state === "completed")!;
    expect(await source.cancel(queued.id)).toEqual({ ok: true, message: `trial ${queued.number} cancelled` });
    expect((await source.cancel(done.id)).ok).toBe(false);
    expect(await source.pause(f.sweepId)).toEqual({ ok: true, message: `sweep ${f.sweepId} paused` });
    expect((await source.pause(f.sweepId)).ok).toBe(false);
    const after = await source.snapshot();
    expect(after.sweeps[0]!.status).toBe("paused");
    expect(after.trials.items.find((t) => t.id === queued.id)!.state).toBe("cancelled");
    expect(after.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(["trial.cancelled", "sweep.paused"]),
    );
    expect((await source.resume(f.sweepId)).ok).toBe(true);
    expect(f.store.getSweep(f.sweepId)!.status).toBe("running");
    await source.close();
  });

  it("under a dashboard drawing here, starts the comparison only after it drew, or asked again", async () => {
    vi.useFakeTimers();
    try {
      for (const how of ["shown", "asked again"] as const) {
        const analyzed: number[] = [];
        const source = new SqliteSource({
          path: f.path,
          drawsHere: true,
          onAnalyzed: (id) => analyzed.push(id),
        });
        const first = await source.snapshot();
        expect(first.analysisPending).toBe(true);
        await vi.advanceTimersByTimeAsync(60_000);
        expect(analyzed).toEqual([]); // however long the first frame takes to draw
        if (how === "shown") source.shown();
        else await source.snapshot();
        await vi.advanceTimersByTimeAsync(60_000);
        expect(analyzed, how).toEqual([f.sweepId]);
        expect((await source.snapshot()).comparison).not.toBeNull();
        await source.close();
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it("for any other caller, computes the comparison after the first reply without being asked", async () => {
    let analyzed = () => {};
    const done = new Promise<void>((resolve) => {
      analyzed = resolve;
    });
    const source = new SqliteSource({ path: f.path, onAnalyzed: () => analyzed() });
    expect((await source.snapshot()).analysisPending).toBe(true);
    await done;
    expect((await source.snapshot()).comparison).not.toBeNull();
    await source.close();
  });

  it("drawn here, checks the file once its first frame is out: then a damaged file fails what follows", async () => {
    // Damage the dashboard never reads: a table of its own, written last, its pages broken.
    const raw = new Database(f.path);
    raw.exec("CREATE TABLE padding (x BLOB)");
    const insert = raw.prepare("INSERT INTO padding VALUES (randomblob(3000))");
    for (let i = 0; i < 60; i++) insert.run();
    raw.pragma("wal_checkpoint(TRUNCATE)");
    raw.close();
    f.store.close();
    const pages = statSync(f.path).size / 4096;
    const fd = openSync(f.path, "r+");
    for (let p = pages - 30; p < pages; p++)
      writeSync(fd, Buffer.from([0x07, 0xff, 0xff, 0xff]), 0, 4, 4096 * p);
    closeSync(fd);
    const before = readFileSync(f.path);
    const damaged = /results database .* is damaged \(PRAGMA quick_check/;

    // Any other reader checks the file as it opens it.
    expect(() => new SqliteSource({ path: f.path })).toThrow(damaged);
    const source = new SqliteSource({ path: f.path, drawsHere: true });
    const first = await source.snapshot();
    expect(first.trials.items.length).toBeGreaterThan(0);
    source.shown();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    await expect(source.snapshot()).rejects.toThrow(damaged);
    await expect(source.trialDetail(first.trials.items[0]!.id)).rejects.toThrow(damaged);
    expect((await source.cancel(first.trials.items[0]!.id)).message).toMatch(damaged);
    await source.close();
    expect(readFileSync(f.path).equals(before)).toBe(true);
  });

  it("throws on a missing file instead of creating one", () => {
    expect(() => new SqliteSource({ path: `${f.dir}/nope.db` })).toThrow();
  });
});

/** A NATS connection stand-in that answers from the store, through the bytes on the wire. */
function loopback(store: typeof f.store): Requester & { subjects: string[]; analyzed: Promise<void> } {
  const subjects: string[] = [];
  let done = () => {};
  const analyzed = new Promise<void>((resolve) => {
    done = resolve;
  });
  const service = createDashboardService(store, { onAnalyzed: () => done() });
  return {
    subjects,
    analyzed,
    async request(subject, data) {
      subjects.push(subject);
      return { data: await answerDashboard(service, subject, data) };
    },
    async close() {},
  };
}

describe("NatsSource", () => {
  it("gets the same snapshot and detail as the SQLite source, and applies actions", async () => {
    const nc = loopback(f.store);
    const source = new NatsSource(new DashboardClient(nc));
    const request = { sweepId: f.sweepId, trials: { offset: 2, limit: 3, sort: "task:task1" } };
    // The first answer comes before the comparison (see coordinator's service tests); the next has it.
    expect((await source.snapshot(request)).analysisPending).toBe(true);
    await nc.analyzed;
    const s = await source.snapshot(request);
    const local = loadSnapshot(f.store, request);
    expect({ ...s, at: 0, sweeps: [], workers: [] }).toEqual({ ...local, at: 0, sweeps: [], workers: [] });
    // By task1 accuracy: trials 2 (0.88), 3 (0.84), 0 and 1 (0.8), 4 (0.72); the page from the third on.
    expect(s.trials.items.map((t) => t.number)).toEqual([0, 1, 4]);
    const id = s.trials.items[0]!.id;
    const detail = (await source.trialDetail(id, 2))!;
    expect(detail.trial.id).toBe(id);
    expect(detail.curves.every((c) => c.points.length <= 2)).toBe(true);
    expect(await source.trialDetail(9999)).toBeUndefined();
    expect(await source.pause(f.sweepId)).toEqual({ ok: true, message: `sweep ${f.sweepId} paused` });
    expect(nc.subjects).toEqual([
      DASH_SUBJECTS.snapshot,
      DASH_SUBJECTS.snapshot,
      DASH_SUBJECTS.trial,
      DASH_SUBJECTS.trial,
      DASH_SUBJECTS.action,
    ]);
  });

  it("reports a missing coordinator", async () => {
    const silent = new NatsSource(
      new DashboardClient({
        request: async () => {
          throw new Error("503 no responders");
        },
        close: async () => {},
      }),
    );
    await expect(silent.snapshot()).rejects.toThrow(/no answer on mtl.dash.snapshot: 503/);
    expect(await silent.cancel(1)).toEqual({ ok: false, message: expect.stringMatching(/no responders/) });
  });
});
