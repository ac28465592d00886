/**
 * `pnpm bench orchestration`: how fast sweeps move when training costs nothing, and how well real
 * training scales across worker processes.
 *
 * 1. Trials that train nothing (a no-op executor), dispatch → result committed in SQLite, with two
 *    workers: over the embedded path (in-process bus, workers in this process) and over NATS
 *    JetStream (a real nats-server with file storage, two worker processes). Trials per second,
 *    and dispatch latency (trial published → its start committed) p50/p99, loaded and unloaded.
 * 2. A CPU-bound sweep of 16 short trials over NATS with one `mtl worker` process, then two
 *    (each trial trains a two-task MLP on 8,000 samples for 20 epochs: about 0.85 s on one core
 *    here). The machines this runs on are shared and noisy (the same one-worker sweep has taken
 *    from 11 to 15 s in consecutive runs), so the pair runs --repeats times, the order
 *    alternating, and the speed-up is the median of the pairs' ratios; every run is printed.
 *
 * Options: --trials N (no-op trials per run, default 3000), --concurrency C (slots per no-op
 * worker, default 1), --repeats R (scaling pairs, default 5), --skip-scaling, --only-scaling.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CoordinatorBus, InProcessBus, NatsCoordinatorBus, type TrialEvent } from "@mtl/bus";
import { Coordinator } from "@mtl/coordinator";
import { ExperimentSpec } from "@mtl/spec";
import { Store } from "@mtl/store";
import { runWorker } from "@mtl/worker";
import { execa } from "execa";
import { tempDir } from "../../test/helpers/cli.ts";
import { spawnMtl, startNatsServer } from "../../test/helpers/nats.ts";
import { noopExecutor } from "./_noop.ts";

const TSX_WORKER = fileURLToPath(new URL("./_orchestration-worker.ts", import.meta.url));

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

/** `n` trials: one configuration, `n` seeds. */
function experiment(name: string, n: number, o: { parallelism: number; epochs?: number; samples?: number }) {
  return ExperimentSpec.parse({
    name,
    dataset: {
      name: "classification",
      options: { n_samples: o.samples ?? 400, n_features: 16, n_informative: 5, n_tasks: 2 },
    },
    tasks: [
      { name: "task1", kind: "classification", metric: "accuracy" },
      { name: "task2", kind: "classification", metric: "accuracy" },
    ],
    model: { architecture: "hard-sharing", hidden: [64, 64] },
    strategies: ["equal"],
    seeds: Array.from({ length: n }, (_, i) => i),
    training: { epochs: o.epochs ?? 1, batchSize: 32, learningRate: 0.01 },
    sweep: { parallelism: o.parallelism },
  });
}

/** Wraps a bus to time each trial from its publication to the commit of its start. */
function timed(bus: CoordinatorBus, latencies: number[]): CoordinatorBus {
  const published = new Map<number, number>();
  return {
    publishTrial: (m) => {
      published.set(m.trialId, performance.now());
      return bus.publishTrial(m);
    },
    publishControl: (m) => bus.publishControl(m),
    onEvent: (h) =>
      bus.onEvent(async (e: TrialEvent) => {
        await h(e);
        const t0 = published.get(e.trialId);
        if (e.kind === "started" && t0 !== undefined) latencies.push(performance.now() - t0);
      }),
    onHeartbeat: (h) => bus.onHeartbeat(h),
    onRejected: (h) => bus.onRejected(h),
    onExhausted: (h) => bus.onExhausted(h),
    queuedTrialIds: () => bus.queuedTrialIds?.() ?? Promise.resolve(new Set()),
    close: () => bus.close(),
  };
}

interface Figures {
  trials: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/** Runs one sweep of no-op trials through a coordinator on `bus` and times it. */
async function sweep(bus: CoordinatorBus, n: number, parallelism: number): Promise<Figures> {
  const tmp = tempDir("mtl-bench-");
  const store = new Store(join(tmp.dir, "bench.db"));
  const latencies: number[] = [];
  try {
    const exp = experiment(`noop-${n}-${parallelism}`, n, { parallelism });
    const { sweep: row } = store.ensureSweep(exp);
    const coordinator = new Coordinator({
      store,
      bus: timed(bus, latencies),
      experiment: exp,
      sweep: row,
      parallelism,
      requeueRunning: false,
    });
    const start = performance.now();
    const summary = await coordinator.run(new AbortController().signal);
    const seconds = (performance.now() - start) / 1000;
    if (summary.counts.completed !== n)
      throw new Error(`expected ${n} completed, got ${JSON.stringify(summary.counts)}`);
    return {
      trials: n,
      seconds,
      perSecond: n / seconds,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
    };
  } finally {
    store.close();
    tmp.cleanup();
  }
}

async function embedded(n: number, parallelism: number, concurrency: number): Promise<Figures> {
  const bus = new InProcessBus();
  const stop = new AbortController();
  const workers = ["a", "b"].map((name) =>
    runWorker({ bus: bus.worker(), name, concurrency, signal: stop.signal, executor: () => noopExecutor() }),
  );
  try {
    return await sweep(bus, n, parallelism);
  } finally {
    stop.abort();
    await Promise.all(workers);
    await bus.close();
  }
}

async function overNats(n: number, parallelism: number, concurrency: number): Promise<Figures> {
  const server = await startNatsServer();
  const workers = ["a", "b"].map((name) =>
    execa(process.execPath, ["--import", "tsx", TSX_WORKER, server.url, name, String(concurrency)], {
      reject: false,
      buffer: false,
    }),
  );
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.stdout?.on("data", (c: Buffer) => /worker \w+:/.test(c.toString()) && resolve());
            void w.then((r) => reject(new Error(`bench worker exited: ${r.stderr ?? ""}`)));
          }),
      ),
    );
    const bus = await NatsCoordinatorBus.connect({ servers: server.url });
    try {
      return await sweep(bus, n, parallelism);
    } finally {
      await bus.close();
    }
  } finally {
    for (const w of workers) w.kill("SIGTERM");
    await Promise.allSettled(workers);
    await server.stop();
  }
}

interface ScalingRun {
  seconds: number;
  /** Trials each worker ran. */
  perWorker: number[];
  /** Mean time from a trial's start to its result. */
  trialSeconds: number;
}

/** 16 CPU-bound trials over NATS on `count` real `mtl worker` processes. */
async function cpuBound(count: number): Promise<ScalingRun> {
  const server = await startNatsServer();
  const names = Array.from({ length: count }, (_, i) => `cpu-${i + 1}`);
  const workers = names.map((name) => spawnMtl(["worker", "--nats", server.url, "--name", name]));
  const tmp = tempDir("mtl-bench-");
  const store = new Store(join(tmp.dir, "bench.db"));
  try {
    await Promise.all(workers.map((w, i) => w.waitFor(new RegExp(`worker ${names[i]}: \\d thread`))));
    const bus = await NatsCoordinatorBus.connect({ servers: server.url });
    try {
      const exp = experiment(`cpu-${count}`, 16, { parallelism: 16, epochs: 20, samples: 8000 });
      const { sweep: row } = store.ensureSweep(exp);
      const coordinator = new Coordinator({
        store,
        bus,
        experiment: exp,
        sweep: row,
        parallelism: 16,
        requeueRunning: false,
      });
      const start = performance.now();
      const summary = await coordinator.run(new AbortController().signal);
      if (summary.counts.completed !== 16)
        throw new Error(`expected 16 completed, got ${JSON.stringify(summary.counts)}`);
      const rows = store.trialsOf(row.id);
      const seconds = (performance.now() - start) / 1000;
      return {
        seconds,
        perWorker: names.map((n) => rows.filter((r) => r.worker === n).length),
        trialSeconds:
          rows.reduce((sum, r) => sum + ((r.finishedAt ?? 0) - (r.startedAt ?? 0)), 0) / 1000 / rows.length,
      };
    } finally {
      await bus.close();
    }
  } finally {
    for (const w of workers) w.kill("SIGTERM");
    await Promise.allSettled(workers);
    store.close();
    tmp.cleanup();
    await server.stop();
  }
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const row = (label: string, f: Figures) =>
  `${label.padEnd(34)} ${f.perSecond.toFixed(0).padStart(6)} trials/s  (${f.trials} in ${f.seconds.toFixed(2)} s)  dispatch p50 ${ms(f.p50)}  p99 ${ms(f.p99)}`;

export async function main(args: string[]): Promise<void> {
  const repeats = option(args, "repeats", 5);
  if (args.includes("--only-scaling")) return scaling((l) => process.stdout.write(`${l}\n`), repeats);
  const n = option(args, "trials", 3000);
  const concurrency = option(args, "concurrency", 1);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`orchestration · no-op trials, two workers × ${concurrency} slot(s) · ${availableParallelism()} cores`);
  out(row("embedded, loaded (parallelism 64)", await embedded(n, 64, concurrency)));
  out(row("embedded, unloaded (parallelism 2)", await embedded(Math.min(n, 500), 2, concurrency)));
  const nats = await overNats(n, 64, concurrency);
  out(row("NATS, loaded (parallelism 64)", nats));
  out(row("NATS, unloaded (parallelism 2)", await overNats(Math.min(n, 500), 2, concurrency)));
  out(`target: ≥ 300 trials/s over NATS with persistence → ${nats.perSecond >= 300 ? "met" : "NOT met"}`);
  if (args.includes("--skip-scaling")) return;
  await scaling(out, repeats);
}

async function scaling(out: (line: string) => void, repeats: number): Promise<void> {
  out("");
  out(`CPU-bound sweep, 16 trials over NATS (mtl worker processes, one thread each), ${repeats} pairs`);
  const ratios: number[] = [];
  const describe = (r: ScalingRun) =>
    `${r.seconds.toFixed(1)} s (${r.perWorker.join(" + ")} trials, ${r.trialSeconds.toFixed(2)} s each)`;
  for (let r = 1; r <= repeats; r++) {
    // Alternate which goes first, so that a machine speeding up or slowing down over the run
    // favours neither.
    let one: ScalingRun;
    let two: ScalingRun;
    if (r % 2 === 1) {
      one = await cpuBound(1);
      two = await cpuBound(2);
    } else {
      two = await cpuBound(2);
      one = await cpuBound(1);
    }
    ratios.push(one.seconds / two.seconds);
    out(
      `  pair ${r}: 1 worker ${describe(one)}, 2 workers ${describe(two)} → ×${(one.seconds / two.seconds).toFixed(2)}`,
    );
  }
  const median = quantile(ratios, 0.5);
  out(`  median speed-up ×${median.toFixed(2)} (target ≥ ×1.8 → ${median >= 1.8 ? "met" : "NOT met"})`);
}
