/**
 * Checkpoints end to end, with the real CLI: a worker SIGKILLed at ~75% of a trial over a real
 * nats-server, and an embedded run stopped with Ctrl-C and run again. The next attempt starts at
 * the last checkpoint (at most one interval lost) and the trial ends with the metrics, epoch by
 * epoch, of an uninterrupted run of the same experiment on this machine (same backend).
 */
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  checkpointFolderOf,
  connectNats,
  FolderCheckpointStore,
  NatsCheckpointStore,
  topologyOf,
} from "@mtl/bus";
import { Store } from "@mtl/store";
import { beforeAll, describe, expect, it } from "vitest";
import { mtl, ROOT, tempDir, writeExperiment } from "./helpers/cli.ts";
import type { MtlProcess } from "./helpers/nats.ts";
import { expectSound, read, report, twoTasks, until, useLab } from "./helpers/sweeps.ts";

const EPOCHS = 12;
const EVERY = 3;
/** One trial of a stateful weighting strategy (uncertainty's learned s_i), checkpointed every 3 epochs. */
const experiment = (name: string) => ({
  ...twoTasks(name, { seeds: 1, epochs: EPOCHS, samples: 3000, strategies: ["uncertainty"] }),
  checkpoint: { every: EVERY },
});

const lab = useLab("mtl-ckpt-");
const procs = lab.procs;

/** What a finished trial's result is made of: its final metrics and every epoch's metrics. */
function resultOf(db: string) {
  const store = new Store(db, { readonly: true });
  try {
    const [t] = store.trialsOf(1);
    // Every metric but the epoch's wall time, which no two runs share.
    const epochs = store
      .metricsOf(t!.id)
      .filter((m) => m.name !== "wall_ms")
      .map((m) => `${m.epoch} ${m.task} ${m.split} ${m.name} ${m.value}`)
      .sort();
    return { final: t!.final, epochs, attempts: store.attemptsOf(t!.id), backend: t!.backend };
  } finally {
    store.close();
  }
}

function sound(db: string) {
  const store = new Store(db, { readonly: true });
  try {
    return expectSound(store, { trials: 1, epochs: EPOCHS });
  } finally {
    store.close();
  }
}

let reference: ReturnType<typeof resultOf>;
const ref = tempDir("mtl-ckpt-ref-");
beforeAll(async () => {
  const file = writeExperiment(ref.dir, "ckpt", experiment("ckpt"));
  const db = join(ref.dir, "results.db");
  const r = await mtl(["run", file, "--db", db, "--workers", "1"]);
  expect(r.exitCode, r.all ?? r.stderr).toBe(0);
  reference = resultOf(db);
  expect(reference.attempts.map((a) => a.resumedFrom)).toEqual([0]);
}, 180_000);
lab.onCleanup(ref.cleanup);

/** Workers take trials at once (no warm-up) and hold them under a short lease. */
const WORKER = ["--no-warm-up", "--ack-wait", "1000"];

/** The one-trial sweep over NATS, on worker w1; resolves once the trial is at 75% there. */
async function atThreeQuarters() {
  const { server, ...tmp } = await lab.withNats();
  const file = writeExperiment(tmp.dir, "ckpt", experiment("ckpt"));
  const db = join(tmp.dir, "results.db");
  const [w1] = await procs.workers(server.url, ["w1"], WORKER);
  const run = procs.start(["run", file, "--nats", server.url, "--db", db, "--ack-wait", "1000"]);
  const atKill = await until(
    db,
    (s) => s.trialsOf(1, ["running"]).find((t) => t.worker === "w1" && t.epoch >= (EPOCHS * 3) / 4),
    "the trial at 75%",
    120_000,
  );
  return { server, tmp, db, w1: w1!, run, atKill };
}

/** Starts worker w2 and waits for the sweep: the trial was finished there, resumed from `last`. */
async function finishOnW2(url: string, run: MtlProcess, db: string, last: number) {
  await procs.workers(url, ["w2"], WORKER);
  await run;
  expect(run.exitCode, run.output()).toBe(0);
  const figures = sound(db);
  const result = resultOf(db);
  const done = result.attempts.find((a) => a.state === "completed")!;
  expect(done.worker).toBe("w2");
  expect(done.resumedFrom).toBe(last);
  return { figures, result };
}

describe("checkpoints", { timeout: 240_000 }, () => {
  it("a worker SIGKILLed at 75% of a trial: the next attempt resumes at its last checkpoint and ends as an uninterrupted run", async () => {
    const { server, db, w1, run, atKill } = await atThreeQuarters();
    w1.kill("SIGKILL");
    await w1;
    // The kill landed mid-trial: the attempt it cut short had not finished.
    const cut = read(db, (s) => s.attemptsOf(atKill.id).find((a) => a.runId === atKill.runId));
    expect(["running", "lost"]).toContain(cut?.state);
    const trainedBeforeKill = read(db, (s) =>
      Math.max(...s.metricsOf(atKill.id, cut!.attempt).map((m) => m.epoch)),
    )!;
    expect(trainedBeforeKill).toBeLessThan(EPOCHS);
    // What the killed worker left in the namespace's object store (nothing writes to it now).
    const nc = await connectNats({ servers: server.url });
    const objects = await NatsCheckpointStore.open(nc, topologyOf());
    const saved = await objects.list();
    await nc.close();
    expect(saved.length).toBeGreaterThan(0);
    const last = saved[0]!.epoch;

    const { figures, result } = await finishOnW2(server.url, run, db, last);
    // At most one interval lost: the killed attempt got no further than the checkpoint after it.
    expect(trainedBeforeKill - last).toBeLessThanOrEqual(EVERY);
    expect(last).toBeGreaterThanOrEqual(EVERY);
    expect(result.backend).toBe(reference.backend);
    expect(result.final).toEqual(reference.final);
    expect(result.epochs).toEqual(reference.epochs);
    report("checkpoint after SIGKILL", {
      ...figures,
      killedAt: trainedBeforeKill,
      resumedFrom: last,
      epochsLost: trainedBeforeKill - last,
      epochsLostWithout: trainedBeforeKill,
    });
  });

  it("nats-server and the worker SIGKILLed mid-trial, the server restarted on its store: the next attempt resumes from the object store, ends as an uninterrupted run, and its kept model exports over NATS", async () => {
    const { server, tmp, db, w1, run, atKill } = await atThreeQuarters();
    // The machine of the server and the worker goes down at once; the server comes back on its store.
    await server.restart({ signal: "SIGKILL" });
    w1.kill("SIGKILL");
    await w1;
    const cut = read(db, (s) => s.attemptsOf(atKill.id).find((a) => a.runId === atKill.runId));
    const trainedBeforeKill = read(db, (s) =>
      Math.max(...s.metricsOf(atKill.id, cut!.attempt).map((m) => m.epoch)),
    )!;
    expect(trainedBeforeKill).toBeLessThan(EPOCHS);
    // The checkpoints survived the server's crash in its JetStream store.
    const nc = await connectNats({ servers: server.url });
    const saved = await (await NatsCheckpointStore.open(nc, topologyOf())).list();
    await nc.close();
    expect(saved.length).toBeGreaterThan(0);
    const last = saved[0]!.epoch;
    expect(last).toBeGreaterThan(0);

    const { figures, result } = await finishOnW2(server.url, run, db, last);
    expect(trainedBeforeKill - last).toBeLessThanOrEqual(EVERY);
    expect(result.final).toEqual(reference.final);
    expect(result.epochs).toEqual(reference.epochs);

    // Its kept model lives in the namespace's object store: mtl export reads it from there.
    const out = join(tmp.dir, "model");
    const exported = await mtl(["export", "0", "--out", out, "--db", db, "--nats", server.url]);
    expect(exported.exitCode, exported.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, "model.json"), "utf8"));
    expect(json.userDefinedMetadata.mtl.epoch).toBe(EPOCHS);
    // The report finds the kept models where the workers put them, and says how to export them.
    const pages = join(tmp.dir, "report");
    const written = await mtl(["report", "--db", db, "--nats", server.url, "--out", pages, "--no-png"]);
    expect(written.exitCode, written.stderr).toBe(0);
    const html = readFileSync(join(pages, "report.html"), "utf8");
    expect(html).toMatch(/Kept models/);
    expect(html).toContain(`mtl export 0 --sweep 1 --db ${db} --nats ${server.url} --out DIR`);
    report("checkpoint after nats-server SIGKILL", {
      ...figures,
      killedAt: trainedBeforeKill,
      resumedFrom: last,
      epochsLost: trainedBeforeKill - last,
      epochsLostWithout: trainedBeforeKill,
    });
  });

  it("an embedded run stopped with Ctrl-C and run again resumes from the checkpoint beside the results file", async () => {
    const tmp = lab.folder();
    const file = writeExperiment(tmp.dir, "ckpt", experiment("ckpt"));
    const db = join(tmp.dir, "results.db");
    const first = procs.start(["run", file, "--db", db, "--workers", "1"]);
    await until(
      db,
      (s) => s.trialsOf(1, ["running"]).find((t) => t.epoch >= EPOCHS / 2),
      "the trial half way",
      120_000,
    );
    first.kill("SIGINT");
    await first;
    const interrupted = resultOf(db).attempts;
    expect(interrupted.map((a) => a.state)).toEqual(["interrupted"]);
    const saved = await new FolderCheckpointStore(checkpointFolderOf(db)).list();
    expect(saved.length).toBeGreaterThan(0);
    const last = saved[0]!.epoch;
    expect(last).toBeGreaterThanOrEqual(EVERY);

    const second = await mtl(["run", file, "--db", db, "--workers", "1"]);
    expect(second.exitCode, second.all ?? second.stderr).toBe(0);
    sound(db);
    const result = resultOf(db);
    expect(result.attempts.map((a) => [a.state, a.resumedFrom])).toEqual([
      ["interrupted", 0],
      ["completed", last],
    ]);
    expect(result.final).toEqual(reference.final);
    expect(result.epochs).toEqual(reference.epochs);

    // mtl du and mtl gc: the finished trial's checkpoints go, another database's sweep's stay.
    const folder = new FolderCheckpointStore(checkpointFolderOf(db));
    const stranger = { sweep: "7c9e6679-7425-40de-944b-e07fc1f90ae7", trialId: 1, attempt: 1, epoch: 2 };
    await folder.put(stranger, new Uint8Array(100));
    const du = await mtl(["du", "--db", db, "--json"]);
    expect(du.exitCode, du.stderr).toBe(0);
    const sizes = JSON.parse(du.stdout) as { sweeps: { sweep: string; bytes: number; finished: number }[] };
    const ours = sizes.sweeps.find((r) => r.sweep === "1 ckpt");
    const stored = (await folder.list()).filter((e) => e.sweep !== stranger.sweep);
    expect(ours).toMatchObject({ bytes: stored.reduce((n, e) => n + e.bytes, 0) });
    expect(ours?.finished).toBe(ours?.bytes);
    expect(sizes.sweeps.find((r) => r.sweep.includes(stranger.sweep))).toMatchObject({
      bytes: 100,
      finished: 0,
    });
    const dry = await mtl(["gc", "--db", db, "--dry-run"]);
    expect(dry.stdout).toMatch(`would delete ${stored.length} checkpoint(s)`);
    expect(await folder.list()).toHaveLength(stored.length + 1);
    const gc = await mtl(["gc", "--db", db]);
    expect(gc.exitCode, gc.stderr).toBe(0);
    expect(gc.stdout).toMatch(`deleted ${stored.length} checkpoint(s) of finished trials`);
    expect((await folder.list()).map((e) => e.sweep)).toEqual([stranger.sweep]);
    const missing = await mtl(["du", "--db", join(tmp.dir, "nope.db")]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/cannot open results database/);
    expect(missing.stderr).not.toMatch(/ {4}at /); // no stack trace
  });

  it("a program resumes from its MTL_CHECKPOINT_DIR: restored before launch, saved at each checkpoint line and after SIGTERM", async () => {
    const PROGRAM_EPOCHS = 6;
    const program = (name: string, dir: string) => {
      copyFileSync(join(ROOT, "test", "fixtures", "checkpoint_program.py"), join(dir, "train.py"));
      return writeExperiment(dir, name, {
        name,
        trainer: { program: "ckpt" },
        programs: { ckpt: ["python3", "train.py"] },
        tasks: [{ name: "a", kind: "classification", metric: "accuracy" }],
        space: { sleep: { kind: "choice", values: [0.4] } },
        training: { epochs: PROGRAM_EPOCHS },
      });
    };
    const refDir = lab.folder();
    const tmp = lab.folder();
    const env = { MTL_TOY_LOG: tmp.dir };
    const refDb = join(refDir.dir, "results.db");
    const r = await mtl(["run", program("prog", refDir.dir), "--db", refDb, "--workers", "1"], {
      env: { MTL_TOY_LOG: refDir.dir },
    });
    expect(r.exitCode, r.all ?? r.stderr).toBe(0);
    const file = program("prog", tmp.dir);
    const db = join(tmp.dir, "results.db");
    const first = procs.start(["run", file, "--db", db, "--workers", "1"], env);
    await until(
      db,
      (s) => s.trialsOf(1, ["running"]).find((t) => t.epoch >= 3),
      "the program half way",
      60_000,
    );
    first.kill("SIGINT");
    await first;
    const saved = await new FolderCheckpointStore(checkpointFolderOf(db)).list();
    expect(saved.length).toBeGreaterThan(0);
    const last = saved[0]!.epoch;
    expect(last).toBeGreaterThanOrEqual(3);
    expect(last).toBeLessThan(PROGRAM_EPOCHS);

    const second = await mtl(["run", file, "--db", db, "--workers", "1"], { env });
    expect(second.exitCode, second.all ?? second.stderr).toBe(0);
    const store = new Store(db, { readonly: true });
    try {
      expectSound(store, { trials: 1, epochs: PROGRAM_EPOCHS });
    } finally {
      store.close();
    }
    // The second launch found its state in the folder: it started at the checkpoint's epoch.
    expect(readFileSync(join(tmp.dir, "starts.log"), "utf8").trim().split("\n")).toEqual([
      "start 0",
      `start ${last}`,
    ]);
    const result = resultOf(db);
    const refResult = resultOf(refDb);
    expect(result.attempts.map((a) => [a.state, a.resumedFrom])).toEqual([
      ["interrupted", 0],
      ["completed", last],
    ]);
    expect(result.final).toEqual(refResult.final);
    expect(result.epochs).toEqual(refResult.epochs);
  });
});
