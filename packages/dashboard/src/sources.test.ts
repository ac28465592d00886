import { answerDashboard, DASH_SUBJECTS, DashboardClient, type Requester } from "@mtl/bus";
import { createDashboardService, loadSnapshot } from "@mtl/coordinator";
import { buildFixture } from "@mtl/coordinator/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
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
    const queued = s.trials.find((t) => t.state === "queued")!;
    const done = s.trials.find((t) => t.state === "completed")!;
    expect(await source.cancel(queued.id)).toEqual({ ok: true, message: `trial ${queued.number} cancelled` });
    expect((await source.cancel(done.id)).ok).toBe(false);
    expect(await source.pause(f.sweepId)).toEqual({ ok: true, message: `sweep ${f.sweepId} paused` });
    expect((await source.pause(f.sweepId)).ok).toBe(false);
    const after = await source.snapshot();
    expect(after.sweeps[0]!.status).toBe("paused");
    expect(after.trials.find((t) => t.id === queued.id)!.state).toBe("cancelled");
    expect(after.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(["trial.cancelled", "sweep.paused"]),
    );
    expect((await source.resume(f.sweepId)).ok).toBe(true);
    expect(f.store.getSweep(f.sweepId)!.status).toBe("running");
    await source.close();
  });

  it("throws on a missing file instead of creating one", () => {
    expect(() => new SqliteSource({ path: `${f.dir}/nope.db` })).toThrow();
  });
});

/** A NATS connection stand-in that answers from the store, through the bytes on the wire. */
function loopback(store: typeof f.store): Requester & { subjects: string[] } {
  const subjects: string[] = [];
  return {
    subjects,
    async request(subject, data) {
      subjects.push(subject);
      return { data: await answerDashboard(createDashboardService(store), subject, data) };
    },
    async close() {},
  };
}

describe("NatsSource", () => {
  it("gets the same snapshot and detail as the SQLite source, and applies actions", async () => {
    const nc = loopback(f.store);
    const source = new NatsSource(new DashboardClient(nc));
    const s = await source.snapshot(f.sweepId);
    const local = loadSnapshot(f.store, f.sweepId);
    expect({ ...s, at: 0, sweeps: [], workers: [] }).toEqual({ ...local, at: 0, sweeps: [], workers: [] });
    const id = s.trials[0]!.id;
    expect((await source.trialDetail(id))!.trial.id).toBe(id);
    expect(await source.trialDetail(9999)).toBeUndefined();
    expect(await source.pause(f.sweepId)).toEqual({ ok: true, message: `sweep ${f.sweepId} paused` });
    expect(nc.subjects).toEqual([
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
