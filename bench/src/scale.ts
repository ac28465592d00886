/**
 * `pnpm bench scale`: whether the per-trial cost of orchestration stays flat as a sweep grows.
 * Sweeps of no-op trials (`_noop.ts`: nothing trains) run embedded — coordinator, in-process bus
 * and two workers in this process, results committed in a real SQLite file — with `mtl run`'s
 * plain progress lines (ProgressLines, updated on every change as `mtl run` does). Per size it
 * prints trials/s end to end, this process's CPU per trial (coordinator, workers' main loop and
 * progress together: nothing else runs here), the progress lines' share of it, and the peak RSS.
 * Target (issue 19): per-trial cost within ±20% from the smallest size to the largest.
 * Options: --sizes 1000,10000 (default), --parallelism P (default 4).
 */
import { join } from "node:path";
import { InProcessBus } from "@mtl/bus";
import { Coordinator } from "@mtl/coordinator";
import { Store } from "@mtl/store";
import { runWorker } from "@mtl/worker";
import { ProgressLines } from "../../apps/cli/src/progress.ts";
import { tempDir } from "../../test/helpers/cli.ts";
import { noopExecutor } from "./_noop.ts";
import { experiment } from "./orchestration.ts";

interface Row {
  trials: number;
  seconds: number;
  cpuMsPerTrial: number;
  progressMsPerTrial: number;
  peakRssMiB: number;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function run(n: number, parallelism: number): Promise<Row> {
  const tmp = tempDir("mtl-bench-scale-");
  const store = new Store(join(tmp.dir, "scale.db"));
  const bus = new InProcessBus();
  const stop = new AbortController();
  const workers = ["a", "b"].map((name) =>
    runWorker({
      bus: bus.worker(),
      name,
      concurrency: 1,
      signal: stop.signal,
      executor: () => noopExecutor(),
    }),
  );
  try {
    const exp = experiment(`scale-${n}`, n, { parallelism });
    const { sweep } = store.ensureSweep(exp);
    let lines = 0;
    let progressMs = 0;
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
    return {
      trials: n,
      seconds,
      cpuMsPerTrial: cpu / n,
      progressMsPerTrial: progressMs / n,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    stop.abort();
    await Promise.all(workers);
    await bus.close();
    store.close();
    tmp.cleanup();
  }
}

export async function main(args: string[]): Promise<void> {
  const at = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const sizes = (at("sizes") ?? "1000,10000").split(",").map(Number);
  const parallelism = Number(at("parallelism") ?? 4);
  process.stdout.write(
    `no-op trials, embedded (2 workers, parallelism ${parallelism}), with mtl run's progress lines\n\n`,
  );
  process.stdout.write("trials   trials/s   CPU ms/trial   progress ms/trial   peak RSS MiB   vs first\n");
  let first: number | undefined;
  for (const n of sizes) {
    const r = await run(n, parallelism);
    first ??= r.cpuMsPerTrial;
    process.stdout.write(
      `${String(n).padStart(6)}   ${(r.trials / r.seconds).toFixed(0).padStart(8)}   ${r.cpuMsPerTrial.toFixed(2).padStart(12)}   ${r.progressMsPerTrial.toFixed(3).padStart(17)}   ${r.peakRssMiB.toFixed(0).padStart(12)}   ${((r.cpuMsPerTrial / first - 1) * 100).toFixed(0).padStart(6)}%\n`,
    );
  }
  process.stdout.write(
    "\nTarget: CPU per trial within ±20% of the smallest size (peak RSS is the process's, cumulative).\n",
  );
}
