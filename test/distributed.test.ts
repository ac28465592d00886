/**
 * The distributed path end to end: real `mtl worker`, `mtl coordinator` and `mtl run --nats`
 * processes around a real nats-server (its own free port and store per test), SIGKILLs included.
 */
import { join } from "node:path";
import { connectNats } from "@mtl/bus";
import { Store } from "@mtl/store";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir, writeExperiment } from "./helpers/cli.ts";
import { type MtlProcess, type NatsServer, spawnMtl, startNatsServer } from "./helpers/nats.ts";

/** Short leases, so that a killed worker's trial comes back within seconds. */
const ACK_WAIT = "2000";

const dataset = (samples: number) => ({
  name: "classification",
  options: { n_samples: samples, n_features: 16, n_informative: 5, n_tasks: 2 },
});

/** Two tasks; `seeds` × `strategies` trials of `epochs` epochs on `samples` samples. */
function experiment(
  name: string,
  o: { seeds: number; epochs: number; samples: number; strategies?: string[] },
) {
  return {
    name,
    dataset: dataset(o.samples),
    tasks: [
      { name: "task1", kind: "classification", metric: "accuracy" },
      { name: "task2", kind: "classification", metric: "accuracy" },
    ],
    model: { architecture: "hard-sharing", hidden: [64, 64] },
    strategies: o.strategies ?? ["equal"],
    seeds: Array.from({ length: o.seeds }, (_, i) => i),
    training: { epochs: o.epochs, batchSize: 32, learningRate: 0.01 },
  };
}

let server: NatsServer | undefined;
const procs: MtlProcess[] = [];
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const p of procs.splice(0)) if (p.exitCode === null) p.kill("SIGKILL");
  await server?.stop();
  server = undefined;
  for (const c of cleanups.splice(0)) c();
});

async function setup(serverArgs: string[] = []) {
  server = await startNatsServer({ args: serverArgs });
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  return { url: server.url, dir: tmp.dir, db: join(tmp.dir, "results.db") };
}

function mtl(args: string[], env: Record<string, string> = {}): MtlProcess {
  const p = spawnMtl(args, env);
  procs.push(p);
  return p;
}

/**
 * Starts workers and resolves once each has loaded its backend. (An array, because a process is
 * itself awaitable, for its exit.)
 */
async function workers(url: string, names: string[], extra: string[] = [], env: Record<string, string> = {}) {
  const started = names.map((name) =>
    mtl(["worker", "--nats", url, "--name", name, "--ack-wait", ACK_WAIT, ...extra], env),
  );
  await Promise.all(started.map((p, i) => p.waitFor(new RegExp(`worker ${names[i]}: \\d thread\\(s\\) on`))));
  return started;
}

/** Reads the results file (read-only) once it exists. */
function read<T>(db: string, f: (s: Store) => T): T | undefined {
  let store: Store;
  try {
    store = new Store(db, { readonly: true });
  } catch {
    return undefined;
  }
  try {
    return f(store);
  } catch {
    return undefined; // not migrated yet
  } finally {
    store.close();
  }
}

/** Polls the results file: other processes write it, so there is no event to wait on. */
async function until<T>(
  db: string,
  f: (s: Store) => T | undefined | false,
  what: string,
  timeoutMs = 90_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = read(db, f);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every completed trial has exactly one completed attempt and one completion event. */
function expectEachResultOnce(store: Store, sweepId = 1) {
  const completed = store.trialsOf(sweepId, ["completed"]);
  for (const t of completed) {
    expect(store.attemptsOf(t.id).filter((a) => a.state === "completed")).toHaveLength(1);
    expect(t.final).toBeTruthy();
  }
  const events = store.eventsSince(0, sweepId, 10_000).filter((e) => e.kind === "trial.completed");
  expect(events.map((e) => e.trialId).sort()).toEqual(completed.map((t) => t.id).sort());
  return completed;
}

const completedLines = (p: MtlProcess) => p.output().match(/^trial \d+ completed$/gm) ?? [];

describe("distributed sweeps over NATS JetStream", () => {
  it("prunes with ASHA across worker processes, recording the epoch each pruned trial stopped at", async () => {
    const { url, dir, db } = await setup();
    const file = writeExperiment(dir, "asha", {
      ...experiment("asha", { seeds: 1, epochs: 9, samples: 20000 }),
      space: { learningRate: { kind: "loguniform", low: 1e-5, high: 0.05 } },
      sweep: {
        sampler: "random",
        maxTrials: 8,
        seed: 3,
        pruner: { kind: "asha", reduction: 3, minEpochs: 1 },
      },
    });
    await workers(url, ["w1", "w2"]);
    const run = mtl(["run", file, "--nats", url, "--db", db, "--ack-wait", ACK_WAIT]);
    await run;
    expect(run.exitCode, run.output()).toBe(0);
    const store = new Store(db, { readonly: true });
    try {
      const pruned = store.trialsOf(1, ["pruned"]);
      expect(pruned.length).toBeGreaterThan(0);
      for (const t of pruned) {
        expect(t.prunedEpoch).toBeGreaterThan(0);
        expect(t.prunedEpoch).toBeLessThan(9);
        expect(Math.max(...store.metricsOf(t.id).map((m) => m.epoch))).toBe(t.prunedEpoch);
      }
      expect(store.trialsOf(1).every((t) => t.state === "completed" || t.state === "pruned")).toBe(true);
    } finally {
      store.close();
    }
  });

  it("runs a sweep across two worker processes", async () => {
    const { url, dir, db } = await setup();
    const file = writeExperiment(
      dir,
      "two",
      experiment("two", { seeds: 2, epochs: 3, samples: 400, strategies: ["equal", "fixed"] }),
    );
    await workers(url, ["w1", "w2"]);
    const run = mtl(["run", file, "--nats", url, "--db", db, "--ack-wait", ACK_WAIT]);
    await run;
    expect(run.exitCode, run.output()).toBe(0);
    expect(run.output()).toMatch(/sweep 1 complete: 4 completed, 0 failed/);
    const store = new Store(db, { readonly: true });
    try {
      const trials = expectEachResultOnce(store);
      expect(trials).toHaveLength(4);
      expect(new Set(trials.map((t) => t.worker))).toEqual(new Set(["w1", "w2"]));
      for (const t of trials) {
        expect(store.attemptsOf(t.id)).toHaveLength(1);
        expect(store.metricsOf(t.id).filter((m) => m.name === "accuracy" && m.split === "val")).toHaveLength(
          6,
        );
      }
      const workers = store.listWorkers();
      expect(workers.map((w) => w.name)).toEqual(["w1", "w2"]);
      for (const w of workers) {
        expect(w).toMatchObject({ pool: "cpu", devices: ["cpu"] });
        expect(w.host).toBeTruthy();
        expect(w.backend).toMatch(/^(wasm|cpu|tensorflow)$/);
        expect(Date.now() - w.lastSeen).toBeLessThan(30_000);
      }
      expect(workers.reduce((n, w) => n + w.trialsDone, 0)).toBe(4);
    } finally {
      store.close();
    }
  });

  it("delivers a SIGKILLed worker's trial again; it completes elsewhere, its result stored once", async () => {
    const { url, dir, db } = await setup();
    const file = writeExperiment(dir, "kill", experiment("kill", { seeds: 4, epochs: 30, samples: 8000 }));
    const [w1] = await workers(url, ["w1", "w2"]);
    const run = mtl(["run", file, "--nats", url, "--db", db, "--ack-wait", ACK_WAIT]);
    const victim = await until(
      db,
      (s) => s.trialsOf(1, ["running"]).find((t) => t.worker === "w1" && t.epoch >= 2),
      "a trial in the middle of training on w1",
    );
    w1!.kill("SIGKILL");
    await run;
    expect(run.exitCode, run.output()).toBe(0);
    expect(run.output()).toMatch(/sweep 1 complete: 4 completed, 0 failed/);
    const store = new Store(db, { readonly: true });
    try {
      expectEachResultOnce(store);
      const attempts = store.attemptsOf(victim.id);
      expect(attempts.map((a) => [a.worker, a.state])).toEqual([
        ["w1", "lost"],
        ["w2", "completed"],
      ]);
      expect(store.trial(victim.id)).toMatchObject({ state: "completed", worker: "w2", attempt: 2 });
    } finally {
      store.close();
    }
  });

  it("resumes after the coordinator is SIGKILLed mid-sweep, running no completed trial again", async () => {
    const { url, dir, db } = await setup();
    const spec = {
      ...experiment("resume", { seeds: 6, epochs: 3, samples: 600, strategies: ["equal", "fixed"] }),
    };
    // Two at a time, so that the coordinator is still planning when it dies.
    const file = writeExperiment(dir, "resume", { ...spec, sweep: { parallelism: 2 } });
    const submit = mtl(["run", file, "--db", db, "--submit"]);
    await submit;
    expect(submit.exitCode, submit.output()).toBe(0);
    const ws = await workers(url, ["w1", "w2"]);
    const completed = () => ws.reduce((n, w) => n + completedLines(w).length, 0);
    const first = mtl(["coordinator", "--nats", url, "--db", db, "--ack-wait", ACK_WAIT]);
    await until(db, (s) => s.counts(1).completed >= 3, "three completed trials");
    first.kill("SIGKILL");
    await first;
    // Let a trial finish while no coordinator listens: its events wait in the stream.
    const atKill = completed();
    await until(
      db,
      () => completed() > atKill,
      "a trial finished while the coordinator was down",
      15_000,
    ).catch(() => {});
    const second = mtl(["coordinator", "--nats", url, "--db", db, "--ack-wait", ACK_WAIT]);
    await until(db, (s) => s.getSweep(1)?.status === "completed", "the sweep to complete");
    second.kill("SIGTERM");
    await second;
    const store = new Store(db, { readonly: true });
    try {
      const trials = expectEachResultOnce(store);
      expect(trials).toHaveLength(12);
      for (const t of trials) expect(store.attemptsOf(t.id), `trial ${t.number}`).toHaveLength(1);
    } finally {
      store.close();
    }
    // No worker was handed a finished trial again (it would have been started, then cancelled).
    const lines = ws.flatMap((w) => w.output().match(/^trial \d+ \w+$/gm) ?? []);
    expect(lines.filter((l) => !l.endsWith("completed"))).toEqual([]);
    expect(new Set(lines).size).toBe(12);
  });

  it("rides out a nats-server restart mid-sweep", async () => {
    const { url, dir, db } = await setup();
    const file = writeExperiment(
      dir,
      "restart",
      experiment("restart", { seeds: 8, epochs: 20, samples: 1000 }),
    );
    await workers(url, ["w1", "w2"]);
    const run = mtl(["run", file, "--nats", url, "--db", db, "--ack-wait", ACK_WAIT]);
    await until(db, (s) => s.counts(1).completed >= 2, "two completed trials");
    // The restart really falls in the middle of the sweep.
    expect(read(db, (s) => s.counts(1).completed)).toBeLessThan(8);
    await server!.restart();
    await run;
    expect(run.exitCode, run.output()).toBe(0);
    expect(run.output()).toMatch(/sweep 1 complete: 8 completed, 0 failed/);
    const store = new Store(db, { readonly: true });
    try {
      expect(expectEachResultOnce(store)).toHaveLength(8);
    } finally {
      store.close();
    }
  });

  it("records malformed trial messages as dead letters; the sweep and the workers carry on", async () => {
    // With authentication on: user and password reach the client from flags and from the environment.
    const { url, dir, db } = await setup(["--user", "mtl", "--pass", "s3cret"]);
    const denied = mtl(["worker", "--nats", url, "--nats-user", "mtl", "--nats-pass", "wrong"]);
    await denied;
    expect(denied.exitCode).toBe(1);
    expect(denied.output()).toMatch(/cannot connect to NATS at .*: .*authorization/i);

    const env = { NATS_USER: "mtl", NATS_PASSWORD: "s3cret" };
    // Trials long enough that the sweep is still running when the junk has been pulled and reported.
    const file = writeExperiment(dir, "junk", experiment("junk", { seeds: 4, epochs: 40, samples: 4000 }));
    const ws = await workers(url, ["w1", "w2"], [], env);
    const run = mtl([
      "run",
      file,
      "--nats",
      url,
      "--db",
      db,
      "--ack-wait",
      ACK_WAIT,
      "--nats-user",
      "mtl",
      "--nats-pass",
      "s3cret",
    ]);
    await run.waitFor(/trial 0 started/);
    const nc = await connectNats({ servers: url, user: "mtl", pass: "s3cret" });
    const js = nc.jetstream();
    const bytes = (s: string) => new TextEncoder().encode(s);
    await js.publish("mtl.trials.cpu", bytes("{not json"));
    const rogue = {
      kind: "trial",
      sweepId: 1,
      trialId: 99,
      number: 0,
      pool: "cpu",
      config: { exec: "rm -rf /" },
    };
    await js.publish("mtl.trials.cpu", bytes(JSON.stringify(rogue)));
    await nc.drain();
    await run;
    expect(run.exitCode, run.output()).toBe(0);
    expect(run.output()).toMatch(/sweep 1 complete: 4 completed, 0 failed/);
    const letters = read(db, (s) => s.deadLetters()) ?? [];
    expect(letters.map((l) => l.source)).toEqual(["mtl.trials.cpu", "mtl.trials.cpu"]);
    expect(letters.map((l) => l.error)).toEqual(["invalid JSON", expect.stringMatching(/config/)]);
    expect(letters[1]?.payload).toContain("rm -rf /");
    for (const w of ws) expect(w.exitCode).toBeNull();
  });

  it("stops a running trial within a second of a cancel from the dashboard", async () => {
    const { url, dir, db } = await setup();
    const file = writeExperiment(
      dir,
      "cancel",
      experiment("cancel", { seeds: 1, epochs: 40, samples: 2000 }),
    );
    const [w1] = await workers(url, ["w1"]);
    const run = mtl(["run", file, "--nats", url, "--db", db, "--ack-wait", ACK_WAIT]);
    const trial = await until(
      db,
      (s) => s.trialsOf(1, ["running"]).find((t) => t.epoch >= 1),
      "a running trial",
    );
    const nc = await connectNats({ servers: url });
    const reply = await nc.request(
      "mtl.dash.action",
      new TextEncoder().encode(JSON.stringify({ action: "cancel", trialId: trial.id })),
      {
        timeout: 5000,
      },
    );
    const asked = Date.now();
    expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({ ok: true });
    await w1!.waitFor(/^trial 0 cancelled$/m, 5000);
    expect(Date.now() - asked).toBeLessThan(1000);
    await nc.close();
    await run;
    expect(run.output()).toMatch(/sweep 1 complete: 0 completed, 0 failed, 0 pruned, 1 cancelled/);
    expect(read(db, (s) => s.trial(trial.id)?.epoch)).toBeLessThan(40);
  });
});
