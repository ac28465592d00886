import { connectNats, NatsCheckpointStore, topologyOf } from "@mtl/bus";
import { objectiveOf, retainedTrials } from "@mtl/scheduler";
import { DEFAULT_KEEP, ExperimentSpec } from "@mtl/spec";
import { Store } from "@mtl/store";
import { describe, expect, it } from "vitest";
import { writeExperiment } from "./helpers/cli.ts";
import type { MtlProcess } from "./helpers/nats.ts";
import { read, twoTasks, until, useLab } from "./helpers/sweeps.ts";

/** Short leases, so that a killed worker's trial comes back within seconds. */
const ACK_WAIT = "2000";

const experiment = twoTasks;

const lab = useLab();
const procs = lab.procs;
const setup = (serverArgs: string[] = []) => lab.withNats(serverArgs);

const mtl = (args: string[], env: Record<string, string> = {}): MtlProcess => procs.start(args, env);

/** Starts workers (with a short lease) and resolves once each has loaded its backend. */
function workers(url: string, names: string[], extra: string[] = [], env: Record<string, string> = {}) {
  return procs.workers(url, names, ["--ack-wait", ACK_WAIT, ...extra], env);
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
    const startedAt = Date.now();
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
        expect(w).toMatchObject({ pool: "cpu" });
        // The cores it found, not a hard-coded name.
        expect(w.devices).toEqual([expect.stringMatching(/^cpu: \d+ core\(s\)/)]);
        expect(w.host).toBeTruthy();
        expect(w.backend).toMatch(/^(wasm|cpu|tensorflow)$/);
        // Heard from during this test (an order, not a duration).
        expect(w.lastSeen).toBeGreaterThanOrEqual(startedAt);
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
      ...experiment("resume", { seeds: 6, epochs: 5, samples: 600, strategies: ["equal", "fixed"] }),
    };
    // Two at a time, so that the coordinator is still planning when it dies.
    const file = writeExperiment(dir, "resume", { ...spec, sweep: { parallelism: 2 } });
    const submit = mtl(["run", file, "--db", db, "--submit"]);
    await submit;
    expect(submit.exitCode, submit.output()).toBe(0);
    const ws = await workers(url, ["w1", "w2"]);
    const first = mtl(["coordinator", "--nats", url, "--db", db, "--ack-wait", ACK_WAIT]);
    // Killed while a trial is mid-training (an epoch of five stored): it finishes while no
    // coordinator listens, and its events wait in the stream.
    const x = await until(
      db,
      (s) =>
        s.counts(1).completed >= 3 && s.trialsOf(1, ["running"]).find((t) => t.epoch >= 1 && t.epoch < 5),
      "a trial mid-training after three completed",
    );
    first.kill("SIGKILL");
    await first;
    expect(read(db, (s) => s.trial(x.id)?.state)).toBe("running"); // the first never wrote its end
    const done = new RegExp(`^trial ${x.number} completed$`, "m");
    await until(db, () => ws.some((w) => done.test(w.output())), `trial ${x.number} to finish`, 30_000);
    const second = mtl(["coordinator", "--nats", url, "--db", db, "--ack-wait", ACK_WAIT]);
    await until(db, (s) => s.getSweep(1)?.status === "completed", "the sweep to complete");
    // The service prunes the completed sweep's kept models to its checkpoint.keep (default: the
    // Pareto front of the objective), in the namespace's object store.
    await second.waitFor(/sweep 1: kept models of \d+ trial/);
    second.kill("SIGTERM");
    await second;
    const store = new Store(db, { readonly: true });
    try {
      const trials = expectEachResultOnce(store);
      expect(trials).toHaveLength(12);
      for (const t of trials) expect(store.attemptsOf(t.id), `trial ${t.number}`).toHaveLength(1);
      const sweep = store.getSweep(1)!;
      const nc = await connectNats({ servers: url });
      const kept = await (await NatsCheckpointStore.open(nc, topologyOf())).listModels(sweep.uid);
      await nc.close();
      const objective = objectiveOf(ExperimentSpec.parse(sweep.spec));
      const want = retainedTrials(trials, DEFAULT_KEEP, objective);
      expect(want.size).toBeGreaterThan(0);
      expect(new Set(kept.map((m) => m.trialId))).toEqual(want);
    } finally {
      store.close();
    }
    // No worker was handed a finished trial again (it would have been started, then cancelled).
    const lines = ws.flatMap((w) => w.output().match(/^trial \d+ \w+$/gm) ?? []);
    expect(lines.filter((l) => !l.endsWith("completed"))).toEqual([]);
    expect(new Set(lines).size).toBe(12);
  });

  it("rides out a nats-server restart mid-sweep", async () => {
    const { url, dir, db, server } = await setup();
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
    await server.restart();
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
    // Two trials out at a time: the junk, published once the first two started, is ahead of the
    // third and fourth in the queue, so the workers reject it (and report it) before they can
    // start those, and the sweep cannot end before the reports are handled.
    const file = writeExperiment(dir, "junk", {
      ...experiment("junk", { seeds: 4, epochs: 10, samples: 2000 }),
      sweep: { parallelism: 2 },
    });
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

  it("stops a running trial on a cancel from the dashboard", async () => {
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
    expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({ ok: true });
    await w1!.waitFor(/^trial 0 cancelled$/m, 5000);
    await nc.close();
    await run;
    expect(run.output()).toMatch(/sweep 1 complete: 0 completed, 0 failed, 0 pruned, 1 cancelled/);
    // Stopped mid-training (by order, not by the clock): far fewer epochs stored than planned.
    expect(read(db, (s) => s.trial(trial.id)?.epoch)).toBeLessThan(40);
    expect(read(db, (s) => s.attemptsOf(trial.id).map((a) => a.state))).toEqual(["cancelled"]);
  });
});
