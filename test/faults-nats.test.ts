/**
 * Faults on the distributed path, as an operator's bad day would bring them: workers SIGKILLed
 * over and over, the coordinator (`mtl run --nats`, `mtl coordinator`) SIGKILLed and restarted,
 * nats-server SIGKILLed and restarted on its store, a worker stopped (SIGSTOP) past its lease,
 * and two coordinators on one server. Every kill is checked to have landed mid-sweep (and, for
 * workers, mid-trial); each test ends with the data-safety invariants (helpers/sweeps.ts).
 */
import { join } from "node:path";
import { connectNats } from "@mtl/bus";
import { Store } from "@mtl/store";
import { describe, expect, it } from "vitest";
import { writeExperiment } from "./helpers/cli.ts";
import type { MtlProcess } from "./helpers/nats.ts";
import {
  checkOverflow,
  expectSound,
  overflowSweep,
  read,
  report,
  twoTasks,
  until,
  useLab,
} from "./helpers/sweeps.ts";

const lab = useLab("mtl-faults-");
const procs = lab.procs;
const setup = () => lab.withNats();

/** Workers take trials at once (no warm-up) and hold them under a short lease. */
const WORKER = ["--no-warm-up", "--ack-wait", "1000"];

const sound = (db: string, o: { sweepId?: number; trials: number; epochs: number }) => {
  const store = new Store(db, { readonly: true });
  try {
    return expectSound(store, o);
  } finally {
    store.close();
  }
};

/** Pauses or resumes a sweep over the dashboard protocol, as `p` in `mtl dash --nats` does. */
async function dashAction(url: string, action: "pause" | "resume", sweepId = 1, namespace = "mtl") {
  const nc = await connectNats({ servers: url });
  try {
    const reply = await nc.request(
      `${namespace}.dash.action`,
      new TextEncoder().encode(JSON.stringify({ action, sweepId })),
      { timeout: 5000 },
    );
    expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({ ok: true });
  } finally {
    await nc.close();
  }
}

describe("distributed sweeps under faults", () => {
  it("survives 15 worker SIGKILLs mid-trial, each worker replaced", async () => {
    const { url, dir, db } = await setup();
    const TRIALS = 24;
    const EPOCHS = 8;
    const file = writeExperiment(dir, "killed", {
      ...twoTasks("killed", {
        seeds: TRIALS / 2,
        epochs: EPOCHS,
        samples: 1200,
        strategies: ["equal", "fixed"],
      }),
      // Fifteen kills spread over 24 trials: a trial may be hit more than the default budget.
      sweep: { maxAttempts: 10 },
    });
    let named = 0;
    const live = new Map<string, MtlProcess>();
    const spawn = () => {
      const name = `w${++named}`;
      live.set(name, procs.start(["worker", "--nats", url, "--name", name, ...WORKER]));
    };
    for (let i = 0; i < 3; i++) spawn();
    const run = procs.start(["run", file, "--nats", url, "--db", db, "--ack-wait", "1000"]);
    const kills: { worker: string; trial: number }[] = [];
    while (kills.length < 15) {
      // A worker of ours in the middle of a trial (an epoch stored, the trial not finished).
      const target = await until(
        db,
        (s) =>
          s.getSweep(1)?.status === "running" &&
          s.trialsOf(1, ["running"]).find((t) => t.worker && live.has(t.worker) && t.epoch >= 1),
        "a worker in the middle of a trial",
        120_000,
      );
      const victim = live.get(target.worker!)!;
      victim.kill("SIGKILL");
      await victim;
      live.delete(target.worker!);
      spawn();
      // It counts if the attempt it held is still unfinished now that its worker is dead.
      const held = read(db, (s) => s.attemptsOf(target.id).find((a) => a.runId === target.runId)?.state);
      if (held === "running" || held === "lost") kills.push({ worker: target.worker!, trial: target.number });
    }
    // The last kill landed mid-sweep.
    expect(read(db, (s) => s.getSweep(1)?.status)).toBe("running");
    await run;
    expect(run.exitCode, run.output()).toBe(0);
    expect(run.output()).toMatch(new RegExp(`sweep 1 complete: ${TRIALS} completed, 0 failed`));
    const figures = sound(db, { trials: TRIALS, epochs: EPOCHS });
    // Each kill cost the attempt it cut short, and nothing else.
    const killedAttempts = read(db, (s) =>
      s
        .trialsOf(1)
        .flatMap((t) => s.attemptsOf(t.id))
        .filter((a) => kills.some((k) => k.worker === a.worker) && a.state !== "completed"),
    );
    expect(killedAttempts?.length).toBeGreaterThanOrEqual(15);
    report("worker SIGKILLs", { kills: kills.length, workers: named, ...figures });
  });

  it("resumes after `mtl run --nats` and `mtl coordinator` are SIGKILLed and restarted", async () => {
    const { url, dir, db } = await setup();
    const file = writeExperiment(dir, "coord", {
      ...twoTasks("coord", { seeds: 6, epochs: 3, samples: 600, strategies: ["equal", "fixed"] }),
      // Two at a time, so that the coordinator is still planning when it dies.
      sweep: { parallelism: 2 },
    });
    const ws = await procs.workers(url, ["w1", "w2"], WORKER);
    const completed = () => read(db, (s) => s.counts(1).completed) ?? 0;
    const coordinators = [
      ["run", file, "--nats", url, "--db", db, "--ack-wait", "1000"],
      ["run", file, "--nats", url, "--db", db, "--ack-wait", "1000"],
      ["coordinator", "--nats", url, "--db", db, "--ack-wait", "1000"],
    ];
    const atKill: number[] = [];
    for (const [i, args] of coordinators.entries()) {
      const c = procs.start(args);
      const target = 3 * (i + 1);
      await until(db, (s) => s.counts(1).completed >= target, `${target} completed trials`);
      c.kill("SIGKILL");
      await c;
      atKill.push(completed());
      // Mid-sweep: the kill left trials to do.
      expect(read(db, (s) => s.getSweep(1)?.status)).toBe("running");
    }
    expect(atKill.at(-1)).toBeLessThan(12);
    const last = procs.start(["coordinator", "--nats", url, "--db", db, "--ack-wait", "1000"]);
    await until(db, (s) => s.getSweep(1)?.status === "completed", "the sweep to complete");
    last.kill("SIGTERM");
    await last;
    const figures = sound(db, { trials: 12, epochs: 3 });
    // No trial was delivered twice: no worker lease lapsed, so each ran once (and a restarted
    // coordinator publishes again only what its events, all handled first, leave queued).
    expect(figures.attempts).toBe(12);
    const lines = ws.flatMap((w) => w.output().match(/^trial \d+ \w+$/gm) ?? []);
    expect(lines.filter((l) => !l.endsWith("completed"))).toEqual([]);
    expect(new Set(lines).size).toBe(12);
    report("coordinator SIGKILLs", { kills: atKill.length, completedAtKills: atKill.join("/"), ...figures });
  });

  it("survives nats-server SIGKILLed and restarted on its store three times mid-sweep", async () => {
    const { url, dir, db, server } = await setup();
    const TRIALS = 16;
    const file = writeExperiment(
      dir,
      "server",
      twoTasks("server", { seeds: TRIALS / 2, epochs: 6, samples: 800, strategies: ["equal", "fixed"] }),
    );
    await procs.workers(url, ["w1", "w2"], ["--no-warm-up", "--ack-wait", "2000"]);
    const run = procs.start(["run", file, "--nats", url, "--db", db, "--ack-wait", "2000"]);
    const atKill: number[] = [];
    for (let i = 1; i <= 3; i++) {
      await until(db, (s) => s.counts(1).completed >= 3 * i, `${3 * i} completed trials`);
      atKill.push(read(db, (s) => s.counts(1).completed) ?? 0);
      expect(read(db, (s) => s.getSweep(1)?.status)).toBe("running");
      await server.restart({ signal: "SIGKILL" });
    }
    expect(atKill.at(-1)).toBeLessThan(TRIALS);
    await run;
    expect(run.exitCode, run.output()).toBe(0);
    expect(run.output()).toMatch(new RegExp(`sweep 1 complete: ${TRIALS} completed, 0 failed`));
    if (process.env.MTL_FAULTS_DEBUG)
      read(db, (s) => {
        for (const t of s.trialsOf(1))
          for (const a of s.attemptsOf(t.id))
            process.stdout.write(
              `T${t.number} fin=${t.finishedAt} a${a.attempt} ${a.worker} ${a.state} ${a.startedAt}-${a.endedAt} epochs=${new Set(s.metricsOf(t.id, a.attempt).map((m) => m.epoch)).size} ${a.error ?? ""}\n`,
            );
        for (const e of s.eventsSince(0, 1, 10000)) process.stdout.write(`${e.at} ${e.kind} ${e.message}\n`);
      });
    report("nats-server SIGKILLs", {
      kills: 3,
      completedAtKills: atKill.join("/"),
      ...sound(db, { trials: TRIALS, epochs: 6 }),
    });
  });

  it("lets a worker stopped past its lease wake up without ending the trial it lost", async () => {
    const { url, dir, db } = await setup();
    const file = writeExperiment(dir, "stall", twoTasks("stall", { seeds: 4, epochs: 10, samples: 1200 }));
    const submit = procs.start(["run", file, "--db", db, "--submit"]);
    await submit;
    expect(submit.exitCode, submit.output()).toBe(0);
    const [w1] = await procs.workers(url, ["w1", "w2"], WORKER);
    // The service, not `mtl run --nats`: it goes on listening after the sweep completes, so the
    // stalled worker's news is handled however late it wakes (a sweep runner exits at the end,
    // leaving such news in the stream for the next coordinator).
    const coordinator = procs.start(["coordinator", "--nats", url, "--db", db, "--ack-wait", "1000"]);
    const victim = await until(
      db,
      (s) => s.trialsOf(1, ["running"]).find((t) => t.worker === "w1" && t.epoch >= 1),
      "a trial in the middle of training on w1",
    );
    w1!.kill("SIGSTOP");
    // Its lease lapses; the trial goes to w2, which starts it as a new attempt.
    await until(
      db,
      (s) => s.attemptsOf(victim.id).find((a) => a.worker === "w2"),
      "the stalled worker's trial to start on w2",
      30_000,
    );
    w1!.kill("SIGCONT");
    // The precondition of this test: the stalled worker wakes and speaks about the trial it lost
    // (were it silent, nothing here would be tested).
    await w1!.waitFor(new RegExp(`trial ${victim.number} (released|cancelled|completed)`), 120_000);
    await until(db, (s) => s.getSweep(1)?.status === "completed", "the sweep to complete");
    // w1's attempt ends on its own row (told to stop, or its result adopted whole) once its last
    // event is handled; the trial was never cancelled, and one attempt completed it.
    const attempts = await until(
      db,
      (s) => {
        const all = s.attemptsOf(victim.id);
        return all.find((a) => a.worker === "w1")?.state === "lost" ? undefined : all;
      },
      "the stalled worker's attempt to end on its own news",
    );
    coordinator.kill("SIGTERM");
    await coordinator;
    expect(coordinator.exitCode, coordinator.output()).toBe(0);
    expect(read(db, (s) => s.counts(1))).toMatchObject({ completed: 4, failed: 0, cancelled: 0 });
    const figures = sound(db, { trials: 4, epochs: 10 });
    expect(attempts.map((a) => a.worker)).toEqual(["w1", "w2"]);
    expect(attempts.filter((a) => a.state === "completed")).toHaveLength(1);
    expect(attempts.find((a) => a.worker === "w1")?.state).toMatch(/^(cancelled|completed)$/);
    expect(w1!.exitCode).toBeNull(); // it woke up and went on working
    report("SIGSTOP past the lease", { stalled: 1, w1Attempt: attempts[0]?.state ?? "?", ...figures });
  });

  it("keeps an overflowing validation metric as data over NATS too; only a non-finite training loss fails a trial", async () => {
    const { url, dir, db } = await setup();
    const file = overflowSweep(dir);
    // The worker reads the csv files only inside the folder it was given.
    await procs.workers(url, ["w1"], [...WORKER, "--data-dir", dir]);
    const run = procs.start(["run", file, "--nats", url, "--db", db, "--ack-wait", "1000"]);
    await run;
    // Not hung: the sweep ended, with exit 3 for the trials whose training loss overflowed.
    expect(run.exitCode, run.output()).toBe(3);
    expect(run.output()).toMatch(/sweep 1 complete/);
    report("overflowing metric (NATS)", checkOverflow(db));
  });

  it("refuses a second coordinator on one namespace; two namespaces on one server both complete", async () => {
    const { url, dir } = await setup();
    const dbA = join(dir, "a.db");
    const dbB = join(dir, "b.db");
    const fileA = writeExperiment(dir, "alpha", twoTasks("alpha", { seeds: 2, epochs: 3, samples: 600 }));
    const fileB = writeExperiment(dir, "beta", twoTasks("beta", { seeds: 4, epochs: 6, samples: 800 }));
    const coordA = procs.start(["coordinator", "--nats", url, "--db", dbA]);
    await coordA.waitFor(/holding namespace "mtl"/);
    const refused = procs.start(["run", fileB, "--nats", url, "--db", dbB]);
    await refused;
    expect(refused.exitCode, refused.output()).toBe(2);
    expect(refused.output()).toMatch(/namespace "mtl" on this NATS server is coordinated by mtl coordinator/);
    expect(read(dbB, (s) => s.listSweeps())).toEqual([]);
    // The first coordinator lost nothing to it (its consumer was not touched): it runs a sweep.
    const submit = procs.start(["run", fileA, "--db", dbA, "--submit"]);
    await submit;
    expect(submit.exitCode, submit.output()).toBe(0);
    await procs.workers(url, ["wa"], WORKER);
    // The same sweep beside it, under another namespace, with its own worker.
    await procs.workers(url, ["wb"], [...WORKER, "--namespace", "beta-team"]);
    const runB = procs.start(["run", fileB, "--nats", url, "--db", dbB, "--namespace", "beta-team"]);
    // Paused from the dashboard (over beta-team's subjects): its queued trials are held back.
    await until(dbB, (s) => s.counts(1).running > 0, "beta to train");
    await dashAction(url, "pause", 1, "beta-team");
    const held = await until(
      dbB,
      (s) => s.eventsSince(0, 1).some((e) => e.kind === "trial.withheld") && s.counts(1),
      "a queued trial held back while paused",
    );
    expect(held.running).toBe(0); // wb is idle: the trials it pulled were withheld, not run
    expect(held.queued).toBeGreaterThan(0);
    await dashAction(url, "resume", 1, "beta-team");
    await until(dbA, (s) => s.getSweep(1)?.status === "completed", "alpha to complete");
    await runB;
    expect(runB.exitCode, runB.output()).toBe(0);
    expect(runB.output()).toMatch(/sweep 1 complete: 4 completed, 0 failed/);
    const a = sound(dbA, { trials: 2, epochs: 3 });
    const b = sound(dbB, { trials: 4, epochs: 6 });
    expect(read(dbA, (s) => s.trialsOf(1).map((t) => t.worker))).toEqual(["wa", "wa"]);
    expect(read(dbB, (s) => s.trialsOf(1).map((t) => t.worker))).toEqual(["wb", "wb", "wb", "wb"]);
    expect(read(dbA, (s) => s.deadLetters())).toEqual([]);
    expect(read(dbB, (s) => s.deadLetters())).toEqual([]);
    report("two coordinators", {
      refused: 1,
      namespaces: 2,
      heldBack: held.queued,
      trials: a.trials + b.trials,
    });
  });
});
