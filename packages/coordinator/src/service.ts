/**
 * The coordinator service of the distributed path: one process that talks to `mtl worker`
 * processes over NATS JetStream, runs a Coordinator per sweep (the same Coordinator, scheduler and
 * store as the embedded path; only the bus differs, and running trials are left to their workers'
 * leases instead of being requeued) and answers the dashboard.
 */
import { type NatsBusOptions, NatsCoordinatorBus } from "@mtl/bus";
import { type Experiment, ExperimentSpec } from "@mtl/spec";
import type { Store, SweepRow } from "@mtl/store";
import { Coordinator, type SweepSummary } from "./coordinator.ts";
import { createDashboardService } from "./dashboard/service.ts";
import { SweepRouter } from "./router.ts";
import { markStaleWorkers } from "./workers.ts";

/** Trials queued ahead on NATS when the experiment does not say: enough to keep a few workers busy. */
export const DEFAULT_NATS_PARALLELISM = 16;

export interface DistributedOptions {
  store: Store;
  nats: NatsBusOptions;
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

/**
 * Connects to NATS, answers the dashboard's requests, and runs coordinators until done. Returns
 * the summaries of the sweeps that ended or were stopped.
 */
export async function runDistributed(o: DistributedOptions): Promise<SweepSummary[]> {
  const log = o.log ?? (() => {});
  const bus = await NatsCoordinatorBus.connect({ ...o.nats, log: o.nats.log ?? log });
  const router = new SweepRouter(o.store, bus, { onChange: o.onChange });
  const coordinators = new Set<Coordinator>();
  bus.serveDashboard(
    createDashboardService(o.store, {
      // A cancel must reach its worker now, not at the coordinator's next look at the store.
      onAction: () => {
        for (const c of coordinators) c.poke();
      },
    }),
  );
  // Subscriptions reach the server asynchronously: once flushed, requests find an answer.
  await bus.nc.flush();
  log("connected to NATS; answering the dashboard");
  const running = new Map<number, Promise<SweepSummary>>();
  const summaries: SweepSummary[] = [];

  const start = (sweep: SweepRow, experiment: Experiment) => {
    const sweepBus = router.forSweep(sweep.id);
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
      .run(o.signal)
      .then((s) => {
        summaries.push(s);
        log(`sweep ${sweep.id} ${s.status}`);
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
      return summaries;
    }
    const stale = setInterval(() => markStaleWorkers(o.store, o.workerTimeoutMs ?? 15_000), 1000);
    try {
      while (!o.signal.aborted) {
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
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, o.pollMs ?? 1000);
          o.signal.addEventListener(
            "abort",
            () => {
              clearTimeout(t);
              resolve();
            },
            { once: true },
          );
        });
      }
      await Promise.allSettled(running.values());
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
export function sweepOverNats(nats: NatsBusOptions, parallelism?: number) {
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
