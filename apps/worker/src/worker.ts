import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Delivery, TrialEvent, WorkerBus } from "@mtl/bus";
import { type Executor, ThreadExecutor } from "./executor.ts";
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
  /** Makes the executor of each slot. @default a training thread (`ThreadExecutor`) */
  executor?: (slot: number) => Executor;
  log?: (line: string) => void;
}

interface Running {
  trialId: number;
  runId: string;
  stop(reason: StopReason): void;
  reason?: StopReason;
}

/**
 * A worker: takes trials from the bus, trains each on a thread, and reports every epoch and the
 * outcome as events. A trial is acknowledged only after its final event is published, so a
 * worker that dies mid-trial leaves it to be delivered again.
 */
export async function runWorker(options: WorkerOptions): Promise<{ trialsDone: number }> {
  const { bus, name, signal } = options;
  const pool = options.pool ?? "cpu";
  const concurrency = options.concurrency ?? 1;
  const log = options.log ?? (() => {});
  const executors = Array.from(
    { length: concurrency },
    (_, i) => options.executor?.(i) ?? new ThreadExecutor(options.backend),
  );
  // Read per trial: the coordinator may change the lease while this worker runs.
  const leaseRenewMs = () =>
    options.leaseRenewMs ?? Math.min(5000, Math.max(100, (bus.leaseMs ?? 15_000) / 3));
  const running = new Map<number, Running>();
  let trialsDone = 0;

  const backend = await executors[0]!.start();
  await Promise.all(executors.slice(1).map((e) => e.start()));
  log(`worker ${name}: ${concurrency} thread(s) on ${backend}, pool ${pool}`);

  const beat = (state: "idle" | "busy" | "gone") =>
    bus
      .heartbeat({
        name,
        host: hostname(),
        pool,
        backend,
        devices: pool === "gpu" ? ["gpu:0"] : ["cpu"],
        concurrency,
        running: [...running.keys()],
        state,
      })
      .catch((e) => log(`heartbeat failed: ${(e as Error).message}`));
  // Listening before the first heartbeat: whoever sees the worker can already stop its trials.
  bus.onControl((m) => {
    const r = running.get(m.trialId);
    if (!r || (m.runId && m.runId !== r.runId)) return;
    r.reason = m.kind === "prune" ? "pruned" : "cancelled";
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

  async function train(executor: Executor, delivery: Delivery): Promise<void> {
    const { trialId, config } = delivery.message;
    const runId = randomUUID();
    const ids = { trialId, runId, worker: name };
    // Events of one run are published in order: each waits for the one before.
    let chain: Promise<void> = Promise.resolve();
    const publish = (event: TrialEvent) => {
      chain = chain.then(() => bus.publishEvent(event));
      return chain;
    };
    const lease = setInterval(() => delivery.working(), leaseRenewMs());
    try {
      await publish({ kind: "started", ...ids, backend });
      const handle = executor.run(
        config,
        (report) => void publish({ kind: "epoch", ...ids, report }).catch(() => {}),
      );
      const entry: Running = { trialId, runId, stop: handle.stop };
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
            error: outcome.error ?? "failed",
            retryable: false,
            epoch: lastEpoch,
          };
        else
          final = { kind: "stopped", ...ids, status: entry.reason ?? outcome.status, epoch: outcome.epochs };
      } catch (error) {
        // The trial could not run (bad name, thread died): a thread crash may be transient.
        const message = (error as Error).message;
        final = {
          kind: "failed",
          ...ids,
          error: message,
          retryable: message.startsWith("training thread"),
          epoch: lastEpoch,
        };
      }
      await publish(final);
      // Interrupted and retryable runs go back to the queue as the same message: the bus counts
      // its deliveries, so a trial that keeps failing this way ends as a dead letter.
      const again =
        (final.kind === "stopped" && final.status === "interrupted") ||
        (final.kind === "failed" && final.retryable);
      if (again) await delivery.nak();
      else await delivery.ack();
      if (final.kind === "completed") trialsDone++;
      log(`trial ${delivery.message.number} ${final.kind === "stopped" ? final.status : final.kind}`);
    } catch (error) {
      // The bus failed under us: leave the trial unacknowledged so it is delivered again.
      log(`trial ${delivery.message.number}: ${(error as Error).message}`);
    } finally {
      clearInterval(lease);
      running.delete(trialId);
    }
  }

  async function slot(executor: Executor): Promise<void> {
    while (!signal.aborted) {
      const delivery = await bus.nextTrial(pool, signal);
      if (!delivery) break;
      await train(executor, delivery);
    }
  }

  try {
    await Promise.all(executors.map(slot));
  } finally {
    signal.removeEventListener("abort", interruptAll);
    clearInterval(heartbeat);
    await beat("gone");
    await Promise.all(executors.map((e) => e.close()));
  }
  return { trialsDone };
}
