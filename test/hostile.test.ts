/**
 * A hostile client on the same NATS server as a real `mtl coordinator` and `mtl worker`: it
 * publishes trials naming files outside the worker's data folder, a FIFO and /dev/zero, absurd
 * sizes, oversized and invalid messages on every subject, and forged and oversized dashboard
 * requests. Neither process crashes or blocks, nothing outside the data folder is read into a
 * message, and every rejected message is recorded, cut to a bound.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { connectNats, DASH_SUBJECTS, REJECTED_PAYLOAD_BYTES, topologyOf } from "@mtl/bus";
import { resolveConfig } from "@mtl/scheduler";
import { type BuiltinTrialConfig, builtinConfig, ExperimentSpec, TrialConfig } from "@mtl/spec";
import { type DeadLetterRow, Store } from "@mtl/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, tinyExperiment } from "./helpers/cli.ts";
import { type MtlProcess, type NatsServer, spawnMtl, startNatsServer } from "./helpers/nats.ts";

const tmp = tempDir("mtl-hostile-");
afterAll(() => tmp.cleanup());
const encoder = new TextEncoder();
const SUBJECTS = topologyOf().subjects;
/** A sweep no coordinator's database has: what a hostile client would claim. */
const FOREIGN_SWEEP = "00000000-0000-4000-8000-000000000007";

/** A valid trial config: the tiny experiment's first trial, or a csv trial on `path`. */
const base = ExperimentSpec.parse(tinyExperiment("hostile"));
const valid = (): BuiltinTrialConfig =>
  builtinConfig(structuredClone(resolveConfig(base, { strategy: "equal" }, 0)));
const csvTrial = (path: string): TrialConfig =>
  TrialConfig.parse({
    ...valid(),
    dataset: { name: "csv", options: { path, targets: { label: "classification" } } },
    tasks: [{ name: "label", kind: "classification", metric: "accuracy" }],
  });

let nextId = 1000;
const trial = (config: unknown) => {
  const id = nextId++;
  return {
    id,
    bytes: encoder.encode(
      JSON.stringify({
        kind: "trial",
        sweep: FOREIGN_SWEEP,
        sweepId: 7,
        trialId: id,
        number: id,
        pool: "cpu",
        maxDeliveries: 1,
        config,
      }),
    ),
  };
};

/** Dead letters recorded so far (the coordinator writes them; a reader opens the file alongside). */
function deadLetters(db: string): DeadLetterRow[] {
  const store = new Store(db, { readonly: true });
  try {
    return store.deadLetters();
  } finally {
    store.close();
  }
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe("hostile messages on the trial, event and control subjects", () => {
  let nats: NatsServer;
  let coordinator: MtlProcess;
  let worker: MtlProcess;
  const db = join(tmp.dir, "hostile.db");
  const data = join(tmp.dir, "data");
  const outside = join(tmp.dir, "outside");

  beforeAll(async () => {
    mkdirSync(data);
    mkdirSync(outside);
    const rows = Array.from({ length: 80 }, (_, i) => `${i / 10},${(i * 7) % 13},${i % 2}`);
    writeFileSync(join(data, "good.csv"), ["f1,f2,label", ...rows].join("\n"));
    writeFileSync(join(outside, "secret.csv"), "f1,TOPSECRET-COLUMN,label\n1,2,3\n");
    symlinkSync(join(outside, "secret.csv"), join(data, "link.csv"));
    execFileSync("mkfifo", [join(data, "pipe.csv")]);
    nats = await startNatsServer();
    coordinator = spawnMtl(["coordinator", "--nats", nats.url, "--db", db]);
    await coordinator.waitFor(/answering the dashboard/);
    worker = spawnMtl(["worker", "--nats", nats.url, "--name", "w1", "--no-warm-up", "--data-dir", data]);
    await worker.waitFor(/worker w1: 1 thread/);
  });

  afterAll(async () => {
    for (const p of [worker, coordinator]) {
      p?.kill("SIGTERM");
      await p;
    }
    await nats?.stop();
  });

  it("refuses absurd sizes with a dead letter, and records oversized and invalid messages cut to a bound", async () => {
    const nc = await connectNats({ servers: nats.url });
    const epochs = trial({ ...valid(), training: { ...valid().training, epochs: 1e9 } });
    const widths = trial({ ...valid(), model: { ...valid().model, hidden: [1_000_000, 1_000_000] } });
    const samples = trial({ ...valid(), dataset: { ...valid().dataset, options: { n_samples: 1e10 } } });
    const bulky = trial({ ...valid(), params: { pad: "x".repeat(600_000) } });
    const invalid = encoder.encode(`{"kind":"trial",${"9".repeat(900_000)}`);
    const sends: [string, Uint8Array][] = [
      [SUBJECTS.trials({ pool: "cpu" }), epochs.bytes],
      [SUBJECTS.trials({ pool: "cpu" }), widths.bytes],
      [SUBJECTS.trials({ pool: "cpu" }), samples.bytes],
      [SUBJECTS.trials({ pool: "cpu" }), bulky.bytes],
      [SUBJECTS.trials({ pool: "cpu" }), invalid],
      [SUBJECTS.control, encoder.encode('{"kind":"rm -rf","trialId":"all"}')],
      [SUBJECTS.heartbeat, encoder.encode(`{"name":"${"w".repeat(900_000)}"}`)],
      [SUBJECTS.event, encoder.encode('{"kind":"completed","trialId":1}')],
      [SUBJECTS.rejected, encoder.encode(`{"source":"x","payload":"${"p".repeat(900_000)}"}`)],
    ];
    for (const [subject, bytes] of sends) nc.publish(subject, bytes);
    await nc.flush();
    await nc.close();

    const refused = (id: number) => (d: DeadLetterRow) =>
      d.source === "trial" &&
      d.error.startsWith("refused by worker w1: ") &&
      d.payload.includes(`"trialId":${id},`);
    const letters = await until("every hostile message recorded", () => {
      const all = deadLetters(db);
      const have = (p: (d: DeadLetterRow) => boolean) => all.some(p);
      const ok =
        have(refused(epochs.id)) &&
        have(refused(widths.id)) &&
        have(refused(samples.id)) &&
        have((d) => d.source === "trial" && /\(message\): \d+ bytes, over the limit/.test(d.error)) &&
        have((d) => d.source === SUBJECTS.trials({ pool: "cpu" }) && d.error === "invalid JSON") &&
        have((d) => d.source === SUBJECTS.control) &&
        have((d) => d.source === SUBJECTS.heartbeat) &&
        have((d) => d.source === SUBJECTS.event) &&
        have((d) => d.source === "x" || d.source === SUBJECTS.rejected);
      return ok ? all : undefined;
    });
    const error = (id: number) => letters.find(refused(id))?.error;
    expect(error(epochs.id)).toContain(
      "training.epochs: 1000000000 epochs, over the limit of 10000 (raise with --max-epochs)",
    );
    expect(error(widths.id)).toMatch(/model: \d+ parameters \(bound\), over the limit of 100000000/);
    expect(error(samples.id)).toContain("dataset: 10000000000 samples, over the limit of 10000000");
    // Whatever came in, what was recorded is bounded.
    for (const d of letters) expect(Buffer.byteLength(d.payload)).toBeLessThanOrEqual(REJECTED_PAYLOAD_BYTES);
    expect(coordinator.exitCode).toBeNull();
    expect(worker.exitCode).toBeNull();
  });

  it("reads data only inside its data folder, never blocks on a FIFO or /dev/zero, and echoes no file", async () => {
    const nc = await connectNats({ servers: nats.url });
    const hostile = [
      "/etc/passwd",
      join(data, "..", "outside", "secret.csv"),
      "../outside/secret.csv",
      join(data, "link.csv"), // a symlink out of the folder
      join(data, "pipe.csv"), // a FIFO: a plain read blocks forever
      "/dev/zero", // a plain read grows without end
    ].map((path) => trial(csvTrial(path)));
    // The worker trains one trial at a time: the canary starts only once every hostile one is done.
    const canary = trial(csvTrial(join(data, "good.csv")));
    for (const t of [...hostile, canary]) nc.publish(SUBJECTS.trials({ pool: "cpu" }), t.bytes);
    await nc.flush();
    await nc.close();
    const eventOf = (d: DeadLetterRow) =>
      JSON.parse(d.payload) as { kind: string; trialId: number; error?: string };
    const letters = await until(
      "the canary to start after every hostile trial failed",
      () => {
        const all = deadLetters(db).filter((d) => d.source === "events");
        const events = all.map(eventOf);
        const failed = hostile.every((h) => events.some((e) => e.trialId === h.id && e.kind === "failed"));
        const started = events.some((e) => e.trialId === canary.id && e.kind === "started");
        return failed && started ? all : undefined;
      },
      180_000,
    );
    for (const d of letters) {
      expect(d.payload).not.toMatch(/root:x:0:0|TOPSECRET/);
      expect(d.error).not.toMatch(/root:x:0:0|TOPSECRET/);
    }
    expect(worker.output()).not.toMatch(/root:x:0:0|TOPSECRET/);
    expect(worker.exitCode).toBeNull();
  });
});

describe("hostile dashboard requests", () => {
  let nats: NatsServer;
  let coordinator: MtlProcess;
  const db = join(tmp.dir, "dash.db");
  const conf = join(tmp.dir, "small.conf");

  beforeAll(async () => {
    // A server with a small max_payload, and a sweep with a trial whose detail is larger than that
    // (its parameters hold 100 kB: the snapshot itself is paged and stays small).
    writeFileSync(conf, "max_payload: 65536\n");
    const store = new Store(db);
    const { sweep } = store.ensureSweep(base);
    const config = valid();
    store.planTrials(
      sweep.id,
      Array.from({ length: 2000 }, (_, seed) => ({
        configKey: `k${seed}`,
        seed,
        method: "equal",
        params: seed === 1999 ? { seed, note: "x".repeat(100_000) } : { seed },
        config,
      })),
    );
    store.setSweepStatus(sweep.id, "completed"); // served, not run
    store.close();
    nats = await startNatsServer({ args: ["-c", conf] });
    coordinator = spawnMtl(["coordinator", "--nats", nats.url, "--db", db]);
    await coordinator.waitFor(/answering the dashboard/);
  });

  afterAll(async () => {
    coordinator?.kill("SIGTERM");
    await coordinator;
    await nats?.stop();
  });

  it("answers forged, oversized and too-large requests with errors, records them, and keeps serving", async () => {
    const nc = await connectNats({ servers: nats.url });
    expect(nc.info?.max_payload).toBe(65536);
    const ask = async (subject: string, body: string) => {
      const reply = await nc.request(subject, encoder.encode(body), { timeout: 10_000 });
      return JSON.parse(new TextDecoder().decode(reply.data)) as { error?: string };
    };
    // The detail of trial 2000 does not fit the server's max_payload: an error reply, no crash.
    expect((await ask(DASH_SUBJECTS.trial, '{"trialId":2000}')).error).toMatch(
      /^reply too large: \d+ bytes, over the NATS server's max_payload \(65536\)/,
    );
    // The snapshot of the 2000 trials is paged: it fits.
    expect((await ask(DASH_SUBJECTS.snapshot, "{}")).error).toBeUndefined();
    const forged: [string, string, RegExp][] = [
      [DASH_SUBJECTS.trial, "{not json", /^bad request: invalid JSON$/],
      [DASH_SUBJECTS.trial, '{"trialId":-1}', /^bad request: trialId/],
      [DASH_SUBJECTS.trial, '{"trialId":"../../etc/passwd"}', /^bad request: trialId/],
      [DASH_SUBJECTS.action, '{"action":"delete","sweepId":1}', /^bad request/],
      [
        DASH_SUBJECTS.action,
        `{"action":"cancel","trialId":1,"pad":"${"x".repeat(20_000)}"}`,
        /^bad request: \d+ bytes \(at most 16384\)$/,
      ],
      ["mtl.dash.exec", "{}", /^unknown subject mtl\.dash\.exec$/],
    ];
    for (const [subject, body, error] of forged) expect((await ask(subject, body)).error).toMatch(error);
    // Valid requests for things that do not exist: answered, not recorded.
    expect(await ask(DASH_SUBJECTS.trial, '{"trialId":999999}')).toBeNull();
    expect(
      (await ask(DASH_SUBJECTS.action, '{"action":"cancel","trialId":999999}')) as unknown,
    ).toMatchObject({ ok: false });
    // Still serving: a small answer arrives.
    expect(await ask(DASH_SUBJECTS.trial, '{"trialId":1}')).toMatchObject({ trial: { id: 1 } });
    await nc.close();
    const letters = await until("the forged requests recorded", () => {
      const all = deadLetters(db).filter((d) => d.source.startsWith("mtl.dash."));
      return all.length >= forged.length ? all : undefined;
    });
    expect(letters.map((d) => d.source).sort()).toEqual(forged.map(([s]) => s).sort());
    for (const d of letters) expect(Buffer.byteLength(d.payload)).toBeLessThanOrEqual(REJECTED_PAYLOAD_BYTES);
    expect(coordinator.exitCode).toBeNull();
  });
});
