import { type CheckpointStore, InProcessBus } from "@mtl/bus";
import { Coordinator, type SweepSummary } from "@mtl/coordinator";
import type { Experiment } from "@mtl/spec";
import type { Store, SweepRow } from "@mtl/store";
import { type RegisteredProgram, runWorker, type WorkerLimits } from "@mtl/worker";

export interface EmbeddedOptions {
  store: Store;
  experiment: Experiment;
  sweep: SweepRow;
  /** Local workers, each training on its own thread. */
  workers: number;
  backend?: string;
  /** Folders the workers may read data from. */
  dataDirs?: string[];
  /** What the workers refuse to train (epochs, samples, parameters, message bytes). */
  limits?: WorkerLimits;
  /** The experiment's own programs (its `programs` map), for a program's trials. */
  programs?: Record<string, RegisteredProgram>;
  /** SIGTERM → SIGKILL for a stopped program. */
  graceMs?: number;
  /** Where trials' checkpoints go (the folder beside the results file); none: no checkpoints. */
  checkpoints?: CheckpointStore;
  signal: AbortSignal;
  log?: (line: string) => void;
  onChange?: () => void;
}

/**
 * The embedded default: coordinator and workers in this process over the in-process bus, one
 * training thread per worker. On abort, workers interrupt their trials first so that the
 * coordinator, still listening, puts them back in the queue for the next run.
 */
export async function runEmbedded(o: EmbeddedOptions): Promise<SweepSummary> {
  const bus = new InProcessBus();
  const coordinator = new Coordinator({
    store: o.store,
    bus,
    experiment: o.experiment,
    sweep: o.sweep,
    parallelism: o.experiment.sweep.parallelism ?? o.workers,
    requeueRunning: true,
    log: o.log,
    onChange: o.onChange,
  });
  const stopWorkers = new AbortController();
  const stopCoordinator = new AbortController();
  const workers = Array.from({ length: o.workers }, (_, i) =>
    runWorker({
      bus: bus.worker(),
      name: `local-${i + 1}`,
      backend: o.backend,
      dataDirs: o.dataDirs,
      limits: o.limits,
      programs: o.programs,
      graceMs: o.graceMs,
      ...(o.checkpoints ? { checkpoints: o.checkpoints } : {}),
      signal: stopWorkers.signal,
      heartbeatMs: 1000,
      log: o.log,
    }),
  );
  // A worker that cannot start (e.g. the backend asked for does not load) stops the run.
  const failed = Promise.all(workers).then(
    () => new Promise<never>(() => {}),
    (error) => {
      throw error;
    },
  );
  const onAbort = async () => {
    stopWorkers.abort();
    await Promise.allSettled(workers);
    // The workers' last events (each interrupted trial) are written before the coordinator stops:
    // the results file is left with no trial marked running.
    await bus.queuedTrialIds().catch(() => undefined);
    stopCoordinator.abort();
  };
  o.signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await Promise.race([coordinator.run(stopCoordinator.signal), failed]);
  } finally {
    o.signal.removeEventListener("abort", onAbort);
    stopWorkers.abort();
    await Promise.allSettled(workers);
    await bus.close();
  }
}
