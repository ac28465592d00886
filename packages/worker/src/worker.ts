import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import {
  type CheckpointKey,
  type CheckpointStore,
  type Delivery,
  InvalidMessage,
  type KeptKind,
  type KeptModelKey,
  type Queue,
  type TrialEvent,
  type WorkerBus,
} from "@mtl/bus";
import { type EpochReport, isProgramTrial } from "@mtl/spec";
import { type Chosen, chooseCheckpoint } from "./checkpoint/choose.ts";
import { encodeKept } from "./checkpoint/kept.ts";
import { encodeRecord } from "./checkpoint/record.ts";
import { detectDevices } from "./devices.ts";
import { type CheckpointPart, type Executor, ThreadExecutor } from "./executor.ts";
import {
  boundError,
  DEFAULT_LIMITS,
  describeOverLimit,
  overLimits,
  refuseTrial,
  type WorkerLimits,
} from "./limits.ts";
import { ProgramExecutor, type RegisteredProgram } from "./program/program-pool.ts";
import type { StopReason } from "./protocol.ts";

export interface WorkerOptions {
  bus: WorkerBus;
  /** Unique among live workers. */
  name: string;
  pool?: "cpu" | "gpu";
  /** Trials trained at once, each on its own thread. @default 1 */
  concurrency?: number;
  /** Force a backend (else the best that loads). */
  backend?: string;
  /** Aborting stops taking trials and interrupts running ones (they go back to the queue). */
  signal: AbortSignal;
  /** @default 2000 */
  heartbeatMs?: number;
  /** How often a running trial's lease is renewed. @default a third of the bus's lease, at most 5000 */
  leaseRenewMs?: number;
  /**
   * Each training thread trains a short made-up run before taking trials, so that its code is
   * compiled before a sweep needs the cores (long-lived workers). @default false
   */
  warmUp?: boolean;
  /**
   * Epoch reports of a trial go out at most this often, several in one message when epochs are
   * shorter: one message per epoch would otherwise cost the bus, the coordinator and SQLite more
   * than the training (a 64-64 MLP epoch on 5,600 samples takes ~35 ms). The first epoch and
   * the last ones before the result go at once. @default 250
   */
  epochFlushMs?: number;
  /** Folders the trainer may read data files from (a dataset's `path` resolves inside them). @default none */
  dataDirs?: string[];
  /** Bounds on the trials this worker takes; a trial over one is refused (see limits.ts). @default DEFAULT_LIMITS */
  limits?: Partial<WorkerLimits>;
  /** Makes the executor of each slot. @default a training thread (`ThreadExecutor`) */
  executor?: (slot: number) => Executor;
  /**
   * The user's programs this worker runs, by name: it takes the trials of these programs (and only
   * these) besides built-in ones. Registered here, never taken from a trial. @default none
   */
  programs?: Readonly<Record<string, RegisteredProgram>>;
  /** Built-in (TensorFlow.js) trials too; false makes a worker of programs alone. @default true */
  builtin?: boolean;
  /** A program asked to stop gets SIGTERM, then SIGKILL this many ms later. @default 10000 */
  graceMs?: number;
  /** Each line a program prints (its log), with the trial it belongs to. @default dropped */
  programLog?: (line: string) => void;
  /**
   * Where built-in trials' checkpoints go and are resumed from (a folder beside the results file,
   * or the namespace's object store), and where completed trials' models are kept (when the trial
   * message asks: `keep`). None: no checkpoints, every attempt starts at epoch 0, nothing is kept.
   */
  checkpoints?: CheckpointStore;
  /** Checkpoints kept per trial: the newest, and older ones to fall back on. @default 2 */
  keepCheckpoints?: number;
  log?: (line: string) => void;
}

/** Epoch reports a resumed run sends again in one message, at most. */
const HISTORY_CHUNK = 64;

interface Running {
  trialId: number;
  runId: string;
  stop(reason: StopReason): void;
  reason?: StopReason;
  /** Told it no longer holds the trial: its delivery belongs to another run now. */
  released?: boolean;
}

/**
 * A worker: takes trials from the bus, trains each on a thread, and reports every epoch and the
 * outcome as events. A trial is acknowledged only after its final event is published, so a
 * worker that dies mid-trial leaves it to be delivered again. How a delivery is settled:
 * completed, failed for good, pruned, cancelled or interrupted → ack (an interrupted trial is
 * queued again by the coordinator, as a new message: an interruption uses up no attempt); a
 * retryable failure → nak (it uses one); told `release` (its lease had lapsed and another
 * worker has the trial) → neither. An event that cannot be sent (it does not fit its schema)
 * stops the trial, which then fails with that reason.
 */
export async function runWorker(options: WorkerOptions): Promise<{ trialsDone: number }> {
  const { bus, name, signal } = options;
  const pool = options.pool ?? "cpu";
  const concurrency = options.concurrency ?? 1;
  const log = options.log ?? (() => {});
  const builtin = options.builtin ?? true;
  const programNames = Object.keys(options.programs ?? {}).sort();
  if (!builtin && programNames.length === 0) throw new Error("a worker of programs alone needs a program");
  const queues: Queue[] = [
    ...(builtin ? [{ pool }] : []),
    ...programNames.map((program) => ({ pool, program })),
  ];
  // Built-in trials train on a thread per slot; a program runs in a process of its own.
  const executors = Array.from(
    { length: builtin ? concurrency : 0 },
    (_, i) => options.executor?.(i) ?? new ThreadExecutor(options.backend, options.warmUp, options.dataDirs),
  );
  const programs = new ProgramExecutor(options.programs ?? {}, options.graceMs, options.programLog);
  const limits: WorkerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  // Read per trial: the coordinator may change the lease while this worker runs.
  const leaseRenewMs = () =>
    options.leaseRenewMs ?? Math.min(5000, Math.max(100, (bus.leaseMs ?? 15_000) / 3));
  const running = new Map<number, Running>();
  let trialsDone = 0;

  const backend = executors[0] ? await executors[0].start() : await programs.start();
  await Promise.all(executors.slice(1).map((e) => e.start()));
  const warmed = executors.flatMap((e) => (e.warmUpMs !== undefined ? [e.warmUpMs] : []));
  const devices = await detectDevices(pool);
  log(
    `worker ${name}: ${builtin ? `${concurrency} thread(s) on ${backend}` : `${concurrency} slot(s)`}, pool ${pool}` +
      (programNames.length ? `, programs ${programNames.join(", ")}` : "") +
      ` · devices ${devices.join(", ")}` +
      (warmed.length ? ` (warmed up in ${(Math.max(...warmed) / 1000).toFixed(1)} s)` : ""),
  );

  const beat = (state: "idle" | "busy" | "gone") =>
    bus
      .heartbeat({
        name,
        host: hostname(),
        pool,
        backend,
        devices,
        ...(programNames.length ? { programs: programNames } : {}),
        concurrency,
        running: [...running.keys()],
        state,
      })
      .catch((e) => log(`heartbeat failed: ${(e as Error).message}`));
  // Listening before the first heartbeat: whoever sees the worker can already stop its trials.
  bus.onControl((m) => {
    const r = running.get(m.trialId);
    if (!r || m.runId !== r.runId) return;
    r.reason = m.kind === "prune" ? "pruned" : m.kind === "interrupt" ? "interrupted" : "cancelled";
    if (m.kind === "release") r.released = true;
    r.stop(r.reason);
  });
  await beat("idle");
  const heartbeat = setInterval(() => void beat(running.size ? "busy" : "idle"), options.heartbeatMs ?? 2000);
  const interruptAll = () => {
    for (const r of running.values()) {
      r.reason = "interrupted";
      r.stop("interrupted");
    }
  };
  signal.addEventListener("abort", interruptAll, { once: true });

  /**
   * Runs one delivery to its end. `free` is called once the executor is done with it (the
   * outcome is known), before its last epochs, kept models and outcome are sent: the slot then
   * takes its next trial while this one is reported.
   */
  async function train(
    threadExecutor: Executor | undefined,
    delivery: Delivery,
    free: () => void,
  ): Promise<void> {
    const { trialId, config, sweep } = delivery.message;
    // A slot without a thread (a worker of programs alone) reads no built-in queue; were a built-in
    // trial to reach it anyway, the program executor fails it.
    const executor: Executor = isProgramTrial(config) ? programs : (threadExecutor ?? programs);
    const runId = randomUUID();
    const ids = { sweep, trialId, runId, worker: name };
    const over = overLimits(delivery.message, limits).map(describeOverLimit);
    if (over.length > 0) {
      log(`trial ${delivery.message.number} refused: ${over.join("; ")}`);
      await refuseTrial(bus, delivery, ids, backend, over).catch((e) =>
        log(`refusing: ${(e as Error).message}`),
      );
      return;
    }
    let entry: Running | undefined;
    /** Why an event of this run could not be sent; the run stops and fails with it. */
    let unsendable: string | undefined;
    // Events of one run are published in order: each waits for the one before. An event that
    // does not fit its schema is not sent; a bus failure stops the chain (the trial stays unacked).
    let chain: Promise<void> = Promise.resolve();
    const publish = (event: TrialEvent) => {
      chain = chain.then(() =>
        bus.publishEvent(event).catch((error) => {
          if (!(error instanceof InvalidMessage)) throw error;
          unsendable ??= error.message;
          entry?.stop("cancelled");
        }),
      );
      return chain;
    };
    // Epoch reports wait in `pending` until the flush interval has passed since the last send.
    const flushMs = options.epochFlushMs ?? 250;
    let pending: EpochReport[] = [];
    let lastFlush = Number.NEGATIVE_INFINITY;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      if (pending.length === 0) return chain;
      const reports = pending;
      pending = [];
      lastFlush = performance.now();
      return publish({ kind: "epoch", ...ids, reports });
    };
    // A failed flush leaves `chain` rejected: the final `await flush()` below reports it.
    const onEpoch = (report: EpochReport) => {
      pending.push(report);
      const wait = lastFlush + flushMs - performance.now();
      if (wait <= 0) flush().catch(() => undefined);
      else timer ??= setTimeout(() => flush().catch(() => undefined), wait);
    };
    const lease = setInterval(() => delivery.working(), leaseRenewMs());
    // Checkpoints: with a store, on an executor that checks them, unless the experiment turned
    // them off.
    const store = options.checkpoints;
    const cadence = delivery.message.checkpoint;
    const check = executor.check?.bind(executor);
    const checkpointing = store && check && cadence?.enabled !== false;
    // The store's attempt number: attempts before this message (interrupted runs) and its deliveries.
    const attempt = (delivery.message.priorAttempts ?? 0) + delivery.deliveries;
    /** Every epoch report of this run so far, the resumed checkpoint's included: a record's history. */
    const reported: EpochReport[] = [];
    // The trial's stored checkpoints, newest first, and its kept models by kind: what this run
    // replaces as it stores its own. Known without listing the store at each save (over NATS a
    // listing reads every object of the namespace's bucket: per trial, a cost that grew with the
    // sweeps kept there). A first attempt has none before it; a later one lists the trial's once.
    let checkpoints: CheckpointKey[] = [];
    let kept: Promise<KeptModelKey[]> | undefined;
    let saving: Promise<void> = Promise.resolve();
    const onCheckpoint = ({ epoch, parts }: { epoch: number; parts: CheckpointPart[] }) => {
      const reports = reported.filter((r) => r.epoch <= epoch);
      saving = saving
        .then(async () => {
          // Its epochs go out first: no checkpoint exists whose epochs could be missing.
          await flush();
          const key = { sweep, trialId, attempt, epoch };
          await store!.put(key, encodeRecord({ epoch, reports, parts }));
          checkpoints = [key, ...checkpoints.filter((c) => c.attempt !== attempt || c.epoch !== epoch)];
          const old = checkpoints.splice(options.keepCheckpoints ?? 2);
          if (old.length) await store!.delete(old);
        })
        .catch((e) =>
          log(
            `trial ${delivery.message.number}: checkpoint at epoch ${epoch} not saved: ${(e as Error).message}`,
          ),
        );
    };
    // Kept models: the final weights and the best on the sweep's objective, each replacing the
    // trial's earlier one of its kind once stored.
    const keepSpec = delivery.message.keep;
    const onKept = ({ kind, epoch, parts }: { kind: KeptKind; epoch: number; parts: CheckpointPart[] }) => {
      const report = reported.find((r) => r.epoch === epoch);
      saving = saving
        .then(async () => {
          const key = { sweep, trialId, kind, epoch };
          kept ??=
            attempt > 1
              ? store!
                  .listModels(sweep, trialId)
                  .then((ms) => ms.map(({ bytes: _size, ...m }): KeptModelKey => m))
                  .catch((e) => {
                    log(
                      `trial ${delivery.message.number}: earlier kept models not listed: ${(e as Error).message}`,
                    );
                    return [];
                  })
              : Promise.resolve([]);
          const before = await kept;
          await store!.putModel(key, encodeKept({ config, epoch, ...(report ? { report } : {}), parts }));
          const older = before.filter((m) => m.kind === kind && m.epoch !== epoch);
          kept = Promise.resolve([...before.filter((m) => m.kind !== kind), key]);
          if (older.length) await store!.deleteModels(older);
        })
        .catch((e) =>
          log(
            `trial ${delivery.message.number}: ${kind} model of epoch ${epoch} not kept: ${(e as Error).message}`,
          ),
        );
    };
    try {
      const runBackend = isProgramTrial(config) ? `program:${config.program}` : backend;
      let resume: CheckpointPart[] | undefined;
      const resumeInfo: { resumedFrom?: number; resumeNotes?: string[] } = {};
      if (checkpointing) resumeInfo.resumedFrom = 0;
      // A first attempt has no checkpoint to resume: the store is not asked.
      if (checkpointing && attempt > 1) {
        const chosen = await chooseCheckpoint(store, sweep, trialId, (r) => check(config, r.parts)).catch(
          (e): Chosen => ({ notes: [`checkpoints unreadable: ${(e as Error).message}`], stored: [] }),
        );
        checkpoints = chosen.stored;
        resume = chosen.record?.parts;
        resumeInfo.resumedFrom = chosen.record?.epoch ?? 0;
        if (chosen.notes.length)
          resumeInfo.resumeNotes = chosen.notes.map((n) => boundError(n).slice(0, 500));
        for (const n of chosen.notes) log(`trial ${delivery.message.number}: checkpoint refused: ${n}`);
        if (chosen.record) {
          log(`trial ${delivery.message.number}: resumes from epoch ${chosen.record.epoch}`);
          reported.push(...chosen.record.reports);
        }
      }
      await publish({ kind: "started", ...ids, backend: runBackend, ...resumeInfo });
      // The checkpoint's epochs, reported again under this attempt (see checkpoint/record.ts).
      for (let i = 0; i < reported.length; i += HISTORY_CHUNK)
        await publish({ kind: "epoch", ...ids, reports: reported.slice(i, i + HISTORY_CHUNK) });
      const handle = executor.run(
        config,
        (r) => {
          reported.push(r);
          onEpoch(r);
        },
        {
          number: delivery.message.number,
          attempt,
          ...(resume ? { resume, resumedEpochs: reported.map((r) => r.epoch) } : {}),
          ...(checkpointing
            ? {
                checkpoint: {
                  ...(cadence?.every !== undefined ? { every: cadence.every } : {}),
                  ...(cadence?.everyMs !== undefined ? { everyMs: cadence.everyMs } : {}),
                  onCheckpoint,
                },
              }
            : {}),
          ...(store && keepSpec ? { keep: { objective: keepSpec.objective, onKept } } : {}),
          onResumeRefused: (reason) => log(`trial ${delivery.message.number}: starts afresh: ${reason}`),
        },
      );
      entry = { trialId, runId, stop: handle.stop };
      running.set(trialId, entry);
      if (signal.aborted) handle.stop("interrupted");
      let lastEpoch = 0;
      let final: TrialEvent;
      try {
        const outcome = await handle.outcome;
        lastEpoch = outcome.epochs;
        if (outcome.status === "completed")
          final = {
            kind: "completed",
            ...ids,
            backend: outcome.backend,
            epochs: outcome.epochs,
            final: outcome.final ?? {},
          };
        else if (outcome.status === "failed")
          final = {
            kind: "failed",
            ...ids,
            error: boundError(outcome.error ?? "failed"),
            retryable: false,
            epoch: lastEpoch,
          };
        else
          final = {
            kind: "stopped",
            ...ids,
            status:
              entry.reason === "interrupted" || entry.reason === "pruned" ? entry.reason : outcome.status,
            epoch: outcome.epochs,
          };
      } catch (error) {
        // The trial could not run (bad name, thread died): a thread crash may be transient.
        const message = boundError((error as Error).message);
        final = {
          kind: "failed",
          ...ids,
          error: message,
          retryable: message.startsWith("training thread"),
          epoch: lastEpoch,
        };
      }
      free();
      await flush(); // the last epochs before the outcome
      await saving;
      if (!unsendable) await publish(final);
      if (unsendable) {
        final = { kind: "failed", ...ids, error: unsendable, retryable: false, epoch: lastEpoch };
        await publish(final);
      }
      // A retryable failure goes back to the queue as the same message: the bus counts its
      // deliveries against the trial's budget and gives it up past it.
      if (entry.released) delivery.release();
      else if (final.kind === "failed" && final.retryable) await delivery.nak();
      else await delivery.ack();
      if (final.kind === "completed") trialsDone++;
      const how = entry.released ? "released" : final.kind === "stopped" ? final.status : final.kind;
      log(`trial ${delivery.message.number} ${how}`);
    } catch (error) {
      // The bus failed under us: leave the trial unacknowledged so it is delivered again.
      log(`trial ${delivery.message.number}: ${(error as Error).message}`);
    } finally {
      clearInterval(lease);
      clearTimeout(timer);
      // Only this run's entry: the slot may already run the trial again (a retry delivered here).
      if (entry && running.get(trialId) === entry) running.delete(trialId);
    }
  }

  // A slot takes its next trial as soon as its executor is free: the trial before may still be
  // reporting (its last epochs, kept models, outcome: several round trips to the bus), which the
  // training thread would otherwise wait for, idle, between every two trials. One trial reports
  // while the next trains, never more: a slot holds at most two trials, however short they are.
  async function slot(executor: Executor | undefined): Promise<void> {
    let reporting: Promise<void> = Promise.resolve();
    try {
      while (!signal.aborted) {
        const delivery = await bus.nextTrial(queues, signal);
        if (!delivery) break;
        let free: () => void = () => {};
        const executorFree = new Promise<void>((resolve) => {
          free = resolve;
        });
        const run = train(executor, delivery, free).finally(() => free());
        await executorFree;
        await reporting;
        reporting = run;
      }
    } finally {
      await reporting;
    }
  }

  try {
    await Promise.all(Array.from({ length: concurrency }, (_, i) => slot(executors[i])));
  } finally {
    signal.removeEventListener("abort", interruptAll);
    clearInterval(heartbeat);
    await beat("gone");
    await Promise.all(executors.map((e) => e.close()));
  }
  return { trialsDone };
}
