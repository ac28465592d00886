/**
 * A trial interrupted mid-run resumes from its latest checkpoint on the next delivery and ends
 * with the metrics of a run never interrupted; a corrupted checkpoint is refused with its reason
 * and the one before it is used. Real parts: the training thread, the in-process bus, checkpoint
 * files. The interruption is asked for once an epoch's report arrives, so where the run stops
 * depends on timing: what is asserted is relative to the checkpoints that exist when it resumes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CheckpointStore, FolderCheckpointStore, InProcessBus, type TrialEvent } from "@mtl/bus";
import { type EpochReport, TrialConfig } from "@mtl/spec";
import { afterAll, describe, expect, it } from "vitest";
import { runWorker } from "../worker.ts";

const EPOCHS = 8;
const config = TrialConfig.parse({
  experiment: "resume",
  dataset: { name: "classification", options: { n_samples: 1500, n_features: 16, n_tasks: 2 } },
  tasks: [
    { name: "task1", kind: "classification", metric: "accuracy" },
    { name: "task2", kind: "classification", metric: "accuracy" },
  ],
  model: { architecture: "hard-sharing", hidden: [64, 64] },
  strategy: "uncertainty",
  training: { epochs: EPOCHS, batchSize: 32, learningRate: 0.01 },
  seed: 3,
});
const SWEEP = "0f8fad5b-d9cb-469f-a165-70867728950e";
const dir = mkdtempSync(join(tmpdir(), "mtl-resume-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Deliveries so far: each is one more attempt, as the coordinator's `priorAttempts` says. */
let attempts = 0;

/** One delivery of the trial to a fresh worker; `interruptAt`: interrupt once that epoch is reported. */
async function deliver(
  checkpoints: CheckpointStore | undefined,
  {
    interruptAt,
    config: trial = config,
    keep = false,
  }: { interruptAt?: number; config?: TrialConfig; keep?: boolean } = {},
) {
  const bus = new InProcessBus();
  const events: TrialEvent[] = [];
  const stop = new AbortController();
  let finished: () => void = () => {};
  const final = new Promise<void>((r) => {
    finished = r;
  });
  bus.onEvent((e) => {
    events.push(e);
    if (e.kind === "epoch" && interruptAt !== undefined && e.reports.some((r) => r.epoch >= interruptAt))
      stop.abort();
    if (e.kind === "completed" || e.kind === "stopped" || e.kind === "failed") finished();
  });
  const worker = runWorker({
    bus: bus.worker(),
    name: "w",
    signal: stop.signal,
    epochFlushMs: 0,
    ...(checkpoints ? { checkpoints } : {}),
  });
  await bus.publishTrial({
    kind: "trial",
    sweep: SWEEP,
    sweepId: 1,
    trialId: 7,
    number: 7,
    pool: "cpu",
    maxDeliveries: 3,
    priorAttempts: attempts++,
    config: trial,
    checkpoint: { enabled: true, every: 2 },
    ...(keep ? { keep: { objective: { task: "mean", metric: "accuracy", split: "val" } } } : {}),
  });
  await final;
  stop.abort();
  await worker;
  await bus.close();
  return events;
}

/** The store, counting the listings it answers. */
function counting(store: CheckpointStore) {
  const calls = { list: 0, listModels: 0 };
  const counted: CheckpointStore = Object.assign(Object.create(store) as CheckpointStore, {
    list: (...a: Parameters<CheckpointStore["list"]>) => {
      calls.list++;
      return store.list(...a);
    },
    listModels: (...a: Parameters<CheckpointStore["listModels"]>) => {
      calls.listModels++;
      return store.listModels(...a);
    },
  });
  return { store: counted, calls };
}

const reportsOf = (events: TrialEvent[]): EpochReport[] =>
  events.flatMap((e) => (e.kind === "epoch" ? e.reports : []));
const metricsOf = (reports: EpochReport[]) => reports.map((r) => [r.epoch, r.metrics]);

describe("resume from a checkpoint", { timeout: 120_000 }, () => {
  let uninterrupted: TrialEvent[];
  const store = new FolderCheckpointStore(join(dir, "results.db.checkpoints"));

  it("a run never interrupted: the reference", async () => {
    uninterrupted = await deliver(undefined);
    expect(uninterrupted.at(-1)?.kind).toBe("completed");
    expect(reportsOf(uninterrupted).map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("an interrupted run resumes from its latest checkpoint and ends as the uninterrupted one", async () => {
    const first = await deliver(store, { interruptAt: 3 });
    const stopped = first.at(-1);
    expect(stopped).toMatchObject({ kind: "stopped", status: "interrupted" });
    const saved = await store.list(SWEEP, 7);
    expect(saved.length).toBeGreaterThan(0);
    expect(saved.length).toBeLessThanOrEqual(2); // older ones pruned
    const latest = saved[0]!.epoch;
    expect(latest % 2).toBe(0); // every 2 epochs
    expect(latest).toBeLessThan(EPOCHS);
    // At most one interval lost: the interrupted run got no further than the next checkpoint.
    const reached = Math.max(...reportsOf(first).map((r) => r.epoch));
    expect(reached - latest).toBeLessThan(2);

    const second = await deliver(store);
    expect(second[0]).toMatchObject({ kind: "started", resumedFrom: latest });
    expect(second[0]).not.toHaveProperty("resumeNotes");
    const done = second.at(-1);
    expect(done?.kind).toBe("completed");
    // Every epoch reported under this attempt: the checkpoint's first, then its own.
    expect(reportsOf(second).map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // The re-reported epochs are what the interrupted run reported; all equal the reference.
    expect(metricsOf(reportsOf(second).slice(0, latest))).toEqual(
      metricsOf(reportsOf(first).slice(0, latest)),
    );
    expect(metricsOf(reportsOf(second))).toEqual(metricsOf(reportsOf(uninterrupted)));
    expect(done).toMatchObject({ final: (uninterrupted.at(-1) as { final: unknown }).final, epochs: EPOCHS });
  });

  it("a corrupted checkpoint is refused with its reason, and the one before it is used", async () => {
    const saved = await store.list(SWEEP, 7);
    expect(saved.length).toBe(2);
    const [newest, older] = saved as [(typeof saved)[0], (typeof saved)[0]];
    const file = join(store.root, SWEEP, "7", String(newest.attempt), `${newest.epoch}.ckpt`);
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1]! ^= 0xff;
    writeFileSync(file, bytes);
    const again = await deliver(store);
    expect(again[0]).toMatchObject({
      kind: "started",
      resumedFrom: older.epoch,
      resumeNotes: [`epoch ${newest.epoch} (attempt ${newest.attempt}): checksum mismatch (corrupted)`],
    });
    expect(again.at(-1)).toMatchObject({
      kind: "completed",
      final: (uninterrupted.at(-1) as { final: unknown }).final,
    });
  });

  it("a checkpoint of another trial is refused by the trainer's check, and the run starts afresh", async () => {
    await store.delete(await store.list(SWEEP, 7));
    // Another seed's checkpoints under this trial's name: what a mixed-up store would hold.
    await deliver(store, { interruptAt: 3, config: TrialConfig.parse({ ...config, seed: 4 }) });
    const saved = await store.list(SWEEP, 7);
    expect(saved.length).toBeGreaterThan(0);
    const events = await deliver(store);
    expect(events[0]).toMatchObject({ kind: "started", resumedFrom: 0 });
    const notes = (events[0] as { resumeNotes?: string[] }).resumeNotes ?? [];
    expect(notes).toHaveLength(saved.length);
    for (const n of notes) expect(n).toMatch(/seed/);
    expect(events.at(-1)).toMatchObject({
      kind: "completed",
      final: (uninterrupted.at(-1) as { final: unknown }).final,
    });
  });

  it("a first attempt lists nothing; a later one lists the trial's checkpoints and models once", async () => {
    await store.delete(await store.list(SWEEP, 7));
    await store.deleteModels(await store.listModels(SWEEP, 7));
    // The first attempt: interrupted after epoch 3, with checkpoints every 2 epochs and a "best"
    // kept on the way; it knows what it stored, so pruning asks the store for no listing.
    const first = counting(store);
    attempts = 0;
    await deliver(first.store, { interruptAt: 3, keep: true });
    expect(first.calls).toEqual({ list: 0, listModels: 0 });
    expect((await store.list(SWEEP, 7)).length).toBeGreaterThan(0);

    // The second resumes: one listing of each, then its own saves prune what the first left.
    const second = counting(store);
    const events = await deliver(second.store, { keep: true });
    expect(events.at(-1)?.kind).toBe("completed");
    expect(second.calls).toEqual({ list: 1, listModels: 1 });
    const saved = await store.list(SWEEP, 7);
    expect(saved.length).toBeLessThanOrEqual(2);
    expect(saved.every((c) => c.attempt === 2)).toBe(true);
    // One model of each kind: the second attempt's replaced whatever the first kept.
    const models = await store.listModels(SWEEP, 7);
    expect(models.map((m) => m.kind).sort()).toEqual(["best", "final"]);
    expect(models.find((m) => m.kind === "final")?.epoch).toBe(EPOCHS);
  });
});
