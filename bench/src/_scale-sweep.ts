/**
 * One sweep of `pnpm bench scale`, in a process of its own so that its CPU time and peak memory
 * are this sweep's alone (and `node --cpu-prof` can profile it). The coordinator runs here with
 * `mtl run`'s plain progress lines (ProgressLines, updated on every change); on the embedded path
 * the in-process bus and two workers run here too, over NATS the workers are other processes.
 * Prints one JSON line: seconds, this process's CPU ms (in all, and from the tenth trial done on:
 * the steady cost, without the warm-up of the first trials), the progress lines' wall ms, peak RSS.
 * Usage: tsx _scale-sweep.ts <db> <trials> <parallelism> [nats-url]
 */
import { type CoordinatorBus, InProcessBus, NatsCoordinatorBus } from "@mtl/bus";
import { Coordinator } from "@mtl/coordinator";
import { Store } from "@mtl/store";
import { runWorker } from "@mtl/worker";
import { ProgressLines } from "../../apps/cli/src/progress.ts";
import { noopExecutor } from "./_noop.ts";
import { experiment } from "./orchestration.ts";

/** What one sweep measured, as the JSON line this process prints. */
export interface SweepFigures {
  seconds: number;
  cpuMs: number;
  /** CPU ms from the moment a tenth of the trials were done to the end, and the trials done since. */
  steadyCpuMs: number;
  steadyTrials: number;
  progressMs: number;
  peakRssMiB: number;
}

const [db, trials, slots, natsUrl] = process.argv.slice(2);
if (!db || !trials || !slots)
  throw new Error("usage: _scale-sweep.ts <db> <trials> <parallelism> [nats-url]");
const n = Number(trials);
const parallelism = Number(slots);

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const store = new Store(db);
const stop = new AbortController();
let bus: CoordinatorBus;
let workers: Promise<unknown>[] = [];
if (natsUrl) bus = await NatsCoordinatorBus.connect({ servers: natsUrl });
else {
  const local = new InProcessBus();
  bus = local;
  workers = ["a", "b"].map((name) =>
    runWorker({
      bus: local.worker(),
      name,
      concurrency: 1,
      signal: stop.signal,
      executor: () => noopExecutor(),
    }),
  );
}
try {
  const exp = experiment(`scale-${n}`, n, { parallelism });
  const { sweep } = store.ensureSweep(exp);
  let lines = 0;
  let progressMs = 0;
  // Two progress lines per trial (started, finished): the mark is when a tenth are done.
  let mark: { cpu: number; done: number } | undefined;
  const progress = new ProgressLines(
    store,
    sweep.id,
    () => n,
    () => lines++,
  );
  const coordinator = new Coordinator({
    store,
    bus,
    experiment: exp,
    sweep,
    parallelism,
    requeueRunning: false,
    onChange: () => {
      const t = performance.now();
      progress.update();
      progressMs += performance.now() - t;
      if (!mark && lines >= 0.2 * n) mark = { cpu: cpuMs(), done: Math.floor(lines / 2) };
    },
  });
  const cpu0 = cpuMs();
  const t0 = performance.now();
  const summary = await coordinator.run(new AbortController().signal);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMs() - cpu0;
  if (summary.counts.completed !== n)
    throw new Error(`expected ${n} completed, got ${JSON.stringify(summary.counts)}`);
  if (lines !== 2 * n) throw new Error(`expected ${2 * n} progress lines, got ${lines}`);
  if (!mark) throw new Error("the sweep ended before a tenth of its trials were done");
  const figures: SweepFigures = {
    seconds,
    cpuMs: cpu,
    steadyCpuMs: cpuMs() - mark.cpu,
    steadyTrials: n - mark.done,
    progressMs,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} finally {
  stop.abort();
  await Promise.all(workers);
  await bus.close();
  store.close();
}
