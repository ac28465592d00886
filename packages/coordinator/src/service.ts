/**
 * The coordinator service of the distributed path: one process that talks to `mtl worker`
 * processes over NATS JetStream, runs a Coordinator per sweep (the same Coordinator, scheduler and
 * store as the embedded path; only the bus differs, and running trials are left to their workers'
 * leases instead of being requeued) and answers the dashboard. It holds its namespace's lock on
 * the server for as long as it runs (a second coordinator of the namespace is refused).
 */
import { NatsCheckpointStore, NatsCoordinatorBus, type NatsCoordinatorOptions } from "@mtl/bus";
import { type Experiment, ExperimentSpec } from "@mtl/spec";
import type { Store, SweepRow } from "@mtl/store";
import { Coordinator, type SweepSummary } from "./coordinator.ts";
import { createDashboardService } from "./dashboard/service.ts";
import { applyRetention } from "./retention.ts";
import { SweepRouter } from "./router.ts";
import { sleep } from "./sleep.ts";
import { markStaleWorkers } from "./workers.ts";

/** Trials queued ahead on NATS when the experiment does not say: enough to keep a few workers busy. */
export const DEFAULT_NATS_PARALLELISM = 16;

export interface DistributedOptions {
  store: Store;
  /** How to connect (ignored when `bus` is given). */
  nats: NatsCoordinatorOptions;
  /** A bus already connected (and so holding the namespace), e.g. to be refused before planning. */
  bus?: NatsCoordinatorBus;
  /**
   * Run this sweep only and return when it ends (`mtl run --nats`). Without it, every unfinished
   * sweep of the store runs, and sweeps added later are picked up, until `signal` aborts
   * (`mtl coordinator`).
   */
  only?: { sweep: SweepRow; experiment: Experiment };
  /** Trials queued or running at once per sweep, unless the experiment sets `sweep.parallelism`. */
  parallelism?: number;
  /** A worker silent for this long is marked gone. @default 15000 */
  workerTimeoutMs?: number;
  /** How often the store is checked for new sweeps. @default 1000 */
  pollMs?: number;
  signal: AbortSignal;
  log?: (line: string) => void;
  onChange?: () => void;
}

/** Connects the coordinator's bus: takes the namespace's lock, or throws NamespaceHeld. */
export function connectCoordinatorBus(nats: NatsCoordinatorOptions): Promise<NatsCoordinatorBus> {
  return NatsCoordinatorBus.connect(nats);
}

/**
 * Connects to NATS (unless given a bus), answers the dashboard's requests, and runs coordinators
 * until done. Returns the summaries of the sweeps that ended or were stopped.
 */
export async function runDistributed(o: DistributedOptions): Promise<SweepSummary[]> {
  const log = o.log ?? (() => {});
  // The lock lost to another coordinator stops every sweep here.
  const lost = new AbortController();
  const bus =
    o.bus ??
    (await connectCoordinatorBus({
      ...o.nats,
      log: o.nats.log ?? log,
      onLockLost: () => {
        o.nats.onLockLost?.();
        lost.abort();
      },
    }));
  const signal = AbortSignal.any([o.signal, lost.signal]);
  log(`holding namespace "${bus.topology.namespace}" on the NATS server`);
  const router = new SweepRouter(o.store, bus, { onChange: o.onChange, log });
  const coordinators = new Set<Coordinator>();
  // The workers keep models in the namespace's object store: the dashboard lists a trial's, and
  // a sweep that completes here is pruned to its checkpoint.keep (`mtl run --nats` prunes its own).
  const models = await NatsCheckpointStore.open(bus.nc, bus.topology).catch((e) => {
    log(`kept models cannot be listed or pruned: ${(e as Error).message}`);
    return undefined;
  });
  bus.serveDashboard(
    createDashboardService(o.store, {
      // A cancel must reach its worker now, not at the coordinator's next look at the store.
      onAction: () => {
        for (const c of coordinators) c.poke();
      },
      ...(models ? { models } : {}),
    }),
  );
  const retain = async (sweepId: number) => {
    const sweep = o.store.getSweep(sweepId);
    if (!models || o.only || sweep?.status !== "completed") return;
    try {
      const plan = await applyRetention(o.store, sweep, models);
      log(`sweep ${sweepId}: kept models of ${new Set(plan.keep.map((m) => m.trialId)).size} trial(s)`);
    } catch (error) {
      log(`sweep ${sweepId}: kept models not pruned (mtl gc does it later): ${(error as Error).message}`);
    }
  };
  // Subscriptions reach the server asynchronously: once flushed, requests find an answer.
  await bus.nc.flush();
  log("connected to NATS; answering the dashboard");
  const running = new Map<number, Promise<SweepSummary>>();
  const summaries: SweepSummary[] = [];

  const start = (sweep: SweepRow, experiment: Experiment) => {
    const sweepBus = router.forSweep(sweep);
    const coordinator = new Coordinator({
      store: o.store,
      bus: sweepBus,
      experiment,
      sweep,
      parallelism: experiment.sweep.parallelism ?? o.parallelism ?? DEFAULT_NATS_PARALLELISM,
      requeueRunning: false,
      workerTimeoutMs: o.workerTimeoutMs,
      log,
      onChange: o.onChange,
    });
    log(`coordinating sweep ${sweep.id} (${sweep.name})`);
    coordinators.add(coordinator);
    const done = coordinator
      .run(signal)
      .then(async (s) => {
        summaries.push(s);
        log(`sweep ${sweep.id} ${s.status}`);
        await retain(sweep.id);
        return s;
      })
      .finally(() => {
        coordinators.delete(coordinator);
        running.delete(sweep.id);
        void sweepBus.close();
      });
    running.set(sweep.id, done);
    return done;
  };

  try {
    if (o.only) {
      await start(o.only.sweep, o.only.experiment);
      if (lost.signal.aborted) throw new Error("another coordinator took this namespace over");
      return summaries;
    }
    const stale = setInterval(() => {
      try {
        markStaleWorkers(o.store, o.workerTimeoutMs ?? 15_000);
      } catch (error) {
        log(`stale workers: ${(error as Error).message}`);
      }
    }, 1000);
    try {
      while (!signal.aborted) {
        for (const sweep of o.store.listSweeps()) {
          if (running.has(sweep.id) || (sweep.status !== "running" && sweep.status !== "paused")) continue;
          const parsed = ExperimentSpec.safeParse(sweep.spec);
          if (!parsed.success) {
            log(`sweep ${sweep.id}: its stored experiment no longer validates; skipped`);
            continue;
          }
          // A failure of one sweep's coordinator is reported, not fatal to the others.
          start(sweep, parsed.data).catch((e) => log(`sweep ${sweep.id}: ${(e as Error).message}`));
        }
        await sleep(o.pollMs ?? 1000, signal);
      }
      await Promise.allSettled(running.values());
      if (lost.signal.aborted) throw new Error("another coordinator took this namespace over");
      return summaries;
    } finally {
      clearInterval(stale);
    }
  } finally {
    await bus.close();
  }
}

/**
 * `mtl run FILE --nats URL`: the sweep runner with the embedded runner's signature, so that the
 * run command treats both alike. Workers are separate `mtl worker` processes; `workers` and
 * `backend` are theirs to choose and ignored here.
 */
export function sweepOverNats(nats: NatsCoordinatorOptions, parallelism?: number, bus?: NatsCoordinatorBus) {
  return async (o: {
    store: Store;
    experiment: Experiment;
    sweep: SweepRow;
    signal: AbortSignal;
    log?: (line: string) => void;
    onChange?: () => void;
  }): Promise<SweepSummary> => {
    const [summary] = await runDistributed({
      store: o.store,
      nats,
      bus,
      only: { sweep: o.sweep, experiment: o.experiment },
      parallelism,
      signal: o.signal,
      log: o.log,
      onChange: o.onChange,
    });
    if (!summary) throw new Error(`sweep ${o.sweep.id} did not run`);
    return summary;
  };
}
