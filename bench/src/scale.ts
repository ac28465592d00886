/**
 * `pnpm bench scale`: whether the per-trial cost of orchestration stays flat as a sweep grows,
 * and what one coordinator does with many workers.
 *
 * 1. Sweeps of no-op trials (`_noop.ts`: nothing trains), each in a process of its own
 *    (`_scale-sweep.ts`, with `mtl run`'s plain progress lines): embedded (coordinator,
 *    in-process bus and two workers in that process) and over NATS (a real nats-server with file
 *    storage, two worker processes pulling one trial at a time). Per size and path: trials/s end
 *    to end, the coordinator process's CPU per trial (embedded: with its two workers, nothing
 *    else runs there), the progress lines' share, peak RSS of each process, then on the finished
 *    file the dashboard's frame (`loadSnapshot`, in this process: the first with its comparison,
 *    then one with the comparison cached, as a live dashboard redraws) and the built
 *    `mtl compare --db`'s wall time.
 * 2. One coordinator (this process) against --workers (32) worker processes over NATS, each
 *    pulling one trial at a time: no-op trials (parallelism 2 × workers: the queue never runs
 *    dry), then trials that sleep 1 s (parallelism = workers: a trial waits in no queue). Throughput, dispatch
 *    latency (trial published → its start committed) p50/p99, and the coordinator's CPU: as a
 *    share of one core over the run and of all the CPU the run took (coordinator, workers,
 *    nats-server).
 * Target (issue 19): per-trial cost within ±20% from the smallest size to the largest: the
 * coordinator's CPU per trial after the first tenth of the trials (the steady cost; the sweep's
 * CPU over all its trials is printed beside it).
 * Options: --sizes 1000,10000 (default), --paths embedded,nats (default both), --parallelism P
 * (default 4), --workers W (default 32), --noop-trials N (default 2000), --sleep-trials N
 * (default 320), --skip-workers, --only-workers.
 * The figures go to bench/results/scale.json (parts embedded, nats, workers) as each finishes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NatsCoordinatorBus } from "@mtl/bus";
import { AnalysisCache, loadSnapshot } from "@mtl/coordinator";
import { median } from "@mtl/scheduler";
import { Store } from "@mtl/store";
import { execa, type ResultPromise } from "execa";
import { ROOT, tempDir } from "../../test/helpers/cli.ts";
import { type NatsServer, startNatsServer } from "../../test/helpers/nats.ts";
import {
  type RunStart,
  type ScaleManyFigures,
  type ScaleSizesFigures,
  type ScaleWorkersFigures,
  saveResults,
  startRun,
} from "./_results.ts";
import type { SweepFigures } from "./_scale-sweep.ts";
import { type Figures, sweep } from "./orchestration.ts";
import { readThreadTicks } from "./thread-cpu.ts";

const SWEEP = fileURLToPath(new URL("./_scale-sweep.ts", import.meta.url));
const WORKER = fileURLToPath(new URL("./_orchestration-worker.ts", import.meta.url));
const MTL = join(ROOT, "apps", "cli", "bin", "mtl.mjs");
const TICKS_PER_SECOND = 100;

type Path = "embedded" | "nats";

interface Row extends SweepFigures {
  path: Path;
  trials: number;
  /** Peak RSS of the worker processes (largest) and of nats-server, over NATS. */
  workerRssMiB?: number;
  natsRssMiB?: number;
  firstFrameMs: number;
  frameMs: number;
  compareMs: number;
}

/** Peak resident memory of a live process (VmHWM), in MiB; undefined once it has exited. */
function peakRssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** The pid of the nats-server started on this store directory (others may run on the machine). */
function natsPid(server: NatsServer): number | undefined {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .find((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(server.storeDir);
      } catch {
        return false; // it ended between the listing and the read
      }
    });
}

/** CPU-seconds every thread of these processes took between two readings. */
function cpuSeconds(pids: number[], run: () => Promise<void>): Promise<Map<number, number>> {
  const before = readThreadTicks(pids);
  return run().then(() => {
    const spent = new Map<number, number>();
    for (const [key, ticks] of readThreadTicks(pids)) {
      const pid = Number(key.split("/")[0]);
      const d = ticks - (before.get(key) ?? 0);
      if (d > 0) spent.set(pid, (spent.get(pid) ?? 0) + d / TICKS_PER_SECOND);
    }
    return spent;
  });
}

type Worker = ResultPromise<{ reject: false; buffer: false }>;

/** Starts `count` no-op worker processes on `url` (trials taking `trialMs`) and waits until all are up. */
async function startWorkers(url: string, count: number, trialMs: number): Promise<Worker[]> {
  const workers = Array.from({ length: count }, (_, i) =>
    execa(process.execPath, ["--import", "tsx", WORKER, url, `w${i + 1}`, "1", String(trialMs)], {
      reject: false,
      buffer: false,
    }),
  );
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.stdout?.on("data", (c: Buffer) => /worker \w+:/.test(c.toString()) && resolve());
          void w.then((r) => reject(new Error(`bench worker exited (${r.exitCode ?? r.signal})`)));
        }),
    ),
  );
  return workers;
}

async function stopWorkers(workers: Worker[]): Promise<void> {
  for (const w of workers) w.kill("SIGTERM");
  await Promise.allSettled(workers);
}

/** Runs `_scale-sweep.ts` into `db` and returns what it printed. */
async function sweepProcess(db: string, n: number, parallelism: number, url?: string): Promise<SweepFigures> {
  const r = await execa(
    process.execPath,
    ["--import", "tsx", SWEEP, db, String(n), String(parallelism), ...(url ? [url] : [])],
    { reject: false, cwd: ROOT },
  );
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.exitCode !== 0 || !line.startsWith("{"))
    throw new Error(`sweep of ${n} trials failed (${r.exitCode ?? r.signal}):\n${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as SweepFigures;
}

/** The dashboard's frame on the finished file: the first (comparison computed), then cached ones. */
function frames(db: string): { firstFrameMs: number; frameMs: number } {
  const store = new Store(db);
  try {
    const cache = new AnalysisCache();
    const time = () => {
      const t = performance.now();
      const s = loadSnapshot(store, {}, cache);
      if (s.trials.items.length === 0) throw new Error("the dashboard's snapshot shows no trials");
      return performance.now() - t;
    };
    const firstFrameMs = time();
    return { firstFrameMs, frameMs: median(Array.from({ length: 5 }, time)) };
  } finally {
    store.close();
  }
}

/** Wall time of the built `mtl compare --db`. */
async function compareMs(db: string): Promise<number> {
  const t = performance.now();
  const r = await execa(process.execPath, [MTL, "compare", "--db", db], { reject: false, cwd: ROOT });
  if (r.exitCode !== 0) throw new Error(`mtl compare failed (${r.exitCode}): ${r.stderr.slice(-1000)}`);
  return performance.now() - t;
}

async function measure(path: Path, n: number, parallelism: number): Promise<Row> {
  const tmp = tempDir("mtl-bench-scale-");
  const db = join(tmp.dir, "scale.db");
  let server: NatsServer | undefined;
  let workers: Worker[] = [];
  try {
    let figures: SweepFigures;
    let workerRssMiB: number | undefined;
    let natsRssMiB: number | undefined;
    if (path === "nats") {
      server = await startNatsServer();
      workers = await startWorkers(server.url, 2, 0);
      figures = await sweepProcess(db, n, parallelism, server.url);
      workerRssMiB = Math.max(...workers.map((w) => peakRssMiB(w.pid) ?? Number.NaN));
      natsRssMiB = peakRssMiB(natsPid(server));
    } else figures = await sweepProcess(db, n, parallelism);
    return {
      path,
      trials: n,
      ...figures,
      ...(workerRssMiB === undefined ? {} : { workerRssMiB }),
      ...(natsRssMiB === undefined ? {} : { natsRssMiB }),
      ...frames(db),
      compareMs: await compareMs(db),
    };
  } finally {
    await stopWorkers(workers);
    await server?.stop();
    tmp.cleanup();
  }
}

const fixed = (x: number | undefined, d: number, w: number) =>
  (x === undefined || Number.isNaN(x) ? "-" : x.toFixed(d)).padStart(w);

async function sizes(
  out: (l: string) => void,
  ns: number[],
  paths: Path[],
  parallelism: number,
  args: string[],
): Promise<void> {
  out(
    `no-op trials, two workers pulling one at a time, parallelism ${parallelism}, mtl run's progress lines`,
  );
  out(
    "coordinator CPU: the sweep process's (embedded: with its two workers), per trial after the first tenth (in all: in brackets); RSS: peak of each process\n",
  );
  out(
    "path       trials  trials/s  coord CPU ms/trial  vs first  progress ms/trial  RSS coord  RSS worker  RSS nats  frame ms (first)  compare ms",
  );
  for (const path of paths) {
    const start = startRun(args);
    const figures: ScaleSizesFigures = { parallelism, sizes: [], targetMet: true };
    let first: number | undefined;
    for (const n of ns) {
      const r = await measure(path, n, parallelism);
      // The target's figure: the steady cost per trial, after the first tenth (the JIT's warm-up
      // and the first reads, which a larger sweep spreads over more trials).
      const perTrial = r.steadyCpuMs / r.steadyTrials;
      first ??= perTrial;
      figures.sizes.push({
        trials: n,
        perSecond: n / r.seconds,
        cpuMsPerTrial: perTrial,
        allCpuMsPerTrial: r.cpuMs / n,
        vsFirst: perTrial / first - 1,
        progressMsPerTrial: r.progressMs / n,
        peakRssMiB: r.peakRssMiB,
        workerRssMiB: r.workerRssMiB,
        natsRssMiB: r.natsRssMiB,
        frameMs: r.frameMs,
        firstFrameMs: r.firstFrameMs,
        compareMs: r.compareMs,
      });
      figures.targetMet &&= Math.abs(perTrial / first - 1) <= 0.2;
      out(
        `${path.padEnd(9)} ${String(n).padStart(7)} ${fixed(n / r.seconds, 0, 9)} ${`${fixed(perTrial, 2, 0)} (${fixed(r.cpuMs / n, 2, 0)})`.padStart(19)} ${`${((perTrial / first - 1) * 100).toFixed(0)}%`.padStart(8)} ${fixed(r.progressMs / n, 3, 18)} ${fixed(r.peakRssMiB, 0, 10)} ${fixed(r.workerRssMiB, 0, 11)} ${fixed(r.natsRssMiB, 0, 9)} ${fixed(r.frameMs, 1, 9)} ${`(${fixed(r.firstFrameMs, 0, 0)})`.padStart(8)} ${fixed(r.compareMs, 0, 11)}`,
      );
    }
    saveResults("scale", { [path]: figures }, start);
  }
  out(
    '\nTarget: coordinator CPU per trial (after the first tenth) within ±20% of the smallest size ("vs first").',
  );
}

interface ManyRun extends Figures {
  coordinatorCpu: number;
  workersCpu: number;
  natsCpu: number;
}

/** One coordinator (this process) against `count` worker processes over NATS. */
async function many(count: number, n: number, trialMs: number, parallelism: number): Promise<ManyRun> {
  const server = await startNatsServer();
  let workers: Worker[] = [];
  try {
    workers = await startWorkers(server.url, count, trialMs);
    const bus = await NatsCoordinatorBus.connect({ servers: server.url });
    try {
      const nats = natsPid(server);
      const workerPids = workers.map((w) => w.pid ?? 0);
      let figures: Figures | undefined;
      const cpu = await cpuSeconds([process.pid, ...workerPids, ...(nats ? [nats] : [])], async () => {
        figures = await sweep(bus, n, parallelism);
      });
      if (!figures) throw new Error("the sweep returned nothing");
      const sum = (pids: number[]) => pids.reduce((a, p) => a + (cpu.get(p) ?? 0), 0);
      return {
        ...figures,
        coordinatorCpu: cpu.get(process.pid) ?? 0,
        workersCpu: sum(workerPids),
        natsCpu: nats ? (cpu.get(nats) ?? 0) : Number.NaN,
      };
    } finally {
      await bus.close();
    }
  } finally {
    await stopWorkers(workers);
    await server.stop();
  }
}

async function manyWorkers(
  out: (l: string) => void,
  count: number,
  noop: number,
  sleepy: number,
  start: RunStart,
): Promise<void> {
  const figures: Partial<Record<"noop" | "sleep", ScaleManyFigures>> = {};
  out(`\none coordinator, ${count} worker processes over NATS, each pulling one trial at a time`);
  out("(no-op: parallelism 2×workers, the queue never empty, so dispatch includes the wait in it;");
  out(" sleep: parallelism = workers, a trial is published when a worker is free: dispatch alone)");
  out(
    "trials        count  trials/s  dispatch p50 / p99 ms  coord CPU (share of a core, of all)  CPU-s coord / workers / nats",
  );
  for (const [label, n, ms, parallelism] of [
    ["no-op", noop, 0, 2 * count],
    ["sleep 1 s", sleepy, 1000, count],
  ] as const) {
    const r = await many(count, n, ms, parallelism);
    const all = r.coordinatorCpu + r.workersCpu + (Number.isNaN(r.natsCpu) ? 0 : r.natsCpu);
    figures[ms === 0 ? "noop" : "sleep"] = {
      trials: n,
      trialMs: ms,
      perSecond: r.perSecond,
      p50: r.p50,
      p99: r.p99,
      coordinatorCoreShare: r.coordinatorCpu / r.seconds,
      coordinatorAllShare: r.coordinatorCpu / all,
      cpuSeconds: {
        coordinator: r.coordinatorCpu,
        workers: r.workersCpu,
        nats: Number.isNaN(r.natsCpu) ? null : r.natsCpu,
      },
    };
    out(
      `${label.padEnd(12)} ${String(n).padStart(6)} ${fixed(r.perSecond, 1, 9)} ${`${r.p50.toFixed(1)} / ${r.p99.toFixed(1)}`.padStart(22)} ${`${((100 * r.coordinatorCpu) / r.seconds).toFixed(0)}% , ${((100 * r.coordinatorCpu) / all).toFixed(0)}%`.padStart(36)} ${`${r.coordinatorCpu.toFixed(1)} / ${r.workersCpu.toFixed(1)} / ${fixed(r.natsCpu, 1, 0)}`.padStart(30)}`,
    );
  }
  const { noop: noopRun, sleep } = figures;
  if (sleep) {
    const workers: ScaleWorkersFigures = { workers: count, ...(noopRun ? { noop: noopRun } : {}), sleep };
    saveResults("scale", { workers }, start);
  }
}

export async function main(args: string[]): Promise<void> {
  const at = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const out = (line: string) => process.stdout.write(`${line}\n`);
  // Build the CLI's bundle now if it is stale, so no compare pays for it.
  await execa(process.execPath, [MTL, "--help"], { cwd: ROOT });
  if (!args.includes("--only-workers"))
    await sizes(
      out,
      (at("sizes") ?? "1000,10000").split(",").map(Number),
      (at("paths") ?? "embedded,nats").split(",") as Path[],
      Number(at("parallelism") ?? 4),
      args,
    );
  if (!args.includes("--skip-workers"))
    await manyWorkers(
      out,
      Number(at("workers") ?? 32),
      Number(at("noop-trials") ?? 2000),
      Number(at("sleep-trials") ?? 320),
      startRun(args),
    );
}
