import { availableParallelism } from "node:os";
import { NamespaceHeld, type NatsCoordinatorBus } from "@mtl/bus";
import { connectCoordinatorBus, sweepOverNats } from "@mtl/coordinator";
import { createSampler } from "@mtl/scheduler";
import { InputError } from "@mtl/spec";
import { LockHeld, Store } from "@mtl/store";
import type { Command } from "commander";
import { runEmbedded } from "../embedded.ts";
import { leaderboard } from "../leaderboard.ts";
import { loadExperiment, userPath } from "../load-experiment.ts";
import { addNatsFlags, type NatsFlags, natsOptions, stopOnSignals } from "../nats-flags.ts";
import { progressDisplay } from "../progress-view.ts";

export const DEFAULT_DB = "mtl.db";

/** The lock row a process running a database's sweeps holds (embedded or coordinating over NATS). */
export const COORDINATOR_LOCK = "coordinator";

/**
 * Another process runs this database's sweeps, or coordinates this NATS namespace: the user's
 * choice of --db or --namespace is what is wrong, so it ends as bad input does (exit 2).
 */
export function refusedAsInput(error: unknown): unknown {
  return error instanceof LockHeld || error instanceof NamespaceHeld
    ? new InputError(error.message, [], { cause: error })
    : error;
}

export const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${name}: expected a positive integer, got "${v}"`);
  return n;
};

interface RunFlags extends NatsFlags {
  db: string;
  workers?: number;
  backend?: string;
  maxTrials?: number;
  submit?: boolean;
}

export function register(program: Command): void {
  addNatsFlags(program.command("run"))
    .description("plan and run a sweep (embedded: every core of this machine, no server)")
    .argument("<file>", "experiment file (experiments/*.ts)")
    .option("--db <path>", "SQLite results file", DEFAULT_DB)
    .option(
      "--workers <n>",
      "local workers, one training thread each (default: one per core)",
      positiveInt("--workers"),
    )
    .option("--backend <name>", "tensorflow-gpu, tensorflow, wasm or cpu (default: the best that loads)")
    .option("--max-trials <n>", "raise or lower the sweep's trial budget", positiveInt("--max-trials"))
    .option("--nats <url>", "coordinate here and train on `mtl worker` processes over NATS JetStream")
    .option("--submit", "only record the sweep, for a running `mtl coordinator` on the same --db")
    .action(async (file: string, opts: RunFlags) => {
      const { experiment, path } = await loadExperiment(file);
      if (opts.maxTrials) experiment.sweep.maxTrials = opts.maxTrials;
      // Configurations are planned whole (every seed, and its baseline): a smaller budget plans nothing.
      if (createSampler(experiment).next(1, []).length === 0)
        throw new InputError(
          `sweep.maxTrials (${experiment.sweep.maxTrials}) is smaller than one configuration with its ${experiment.seeds.length} seed(s)${experiment.baselines ? " and baselines" : ""}: nothing to run`,
        );
      const store = new Store(userPath(opts.db));
      let lock: { release(): void } | undefined;
      let bus: NatsCoordinatorBus | undefined;
      // Set once the run starts; a lock lost meanwhile (another process took over) stops it.
      let stopRun: (() => void) | undefined;
      const lost = (what: string) => () => {
        process.stderr.write(`mtl: ${what}; stopping\n`);
        process.exitCode = 1;
        stopRun?.();
      };
      try {
        // Taken before the sweep is touched: a second runner on this file changes nothing.
        if (!opts.submit)
          lock = store.holdLock(COORDINATOR_LOCK, `mtl run ${file}${opts.nats ? " --nats" : ""}`, {
            onLost: lost(`another process took ${opts.db} over`),
          });
        if (opts.nats && !opts.submit)
          bus = await connectCoordinatorBus({
            ...natsOptions(opts, opts.nats, (l) => process.stderr.write(`nats: ${l}\n`)),
            what: `mtl run ${file} (${opts.db})`,
            onLockLost: lost(`another coordinator took namespace "${opts.namespace}" over`),
          });
      } catch (error) {
        lock?.release();
        store.close();
        throw refusedAsInput(error);
      }
      try {
        const { sweep } = store.ensureSweep(experiment, path);
        const before = store.trialsOf(sweep.id).length;
        const wasComplete = sweep.status === "completed";
        if (opts.submit) {
          store.setSweepStatus(sweep.id, sweep.status === "paused" ? "paused" : "running");
          process.stdout.write(`sweep ${sweep.id} (${experiment.name}) submitted to ${opts.db}\n`);
          return;
        }
        const workers = opts.workers ?? availableParallelism();
        const out = (line: string) => process.stdout.write(`${line}\n`);
        const where = opts.nats ? `workers over NATS at ${opts.nats}` : `${workers} local worker(s)`;
        out(`sweep ${sweep.id} · ${experiment.name} · ${where} · results in ${opts.db}`);
        const natsLog = (l: string) => process.stderr.write(`nats: ${l}\n`);
        const runSweep = opts.nats
          ? sweepOverNats(natsOptions(opts, opts.nats, natsLog), undefined, bus)
          : runEmbedded;
        const stopper = stopOnSignals(() =>
          out("stopping: interrupting running trials (Ctrl-C again to force)…"),
        );
        stopRun = stopper.stop;
        // The grid's size (or the trial budget), for progress and ETA.
        let total = createSampler(experiment).total;
        // The live dashboard on a terminal (q stops the run as Ctrl-C does), plain lines otherwise.
        const progress = await progressDisplay({
          store,
          sweepId: sweep.id,
          total: () => total,
          out,
          onQuit: stopper.stop,
          live: !wasComplete,
        });
        const summary = await runSweep({
          store,
          experiment,
          sweep,
          workers,
          backend: opts.backend,
          signal: stopper.signal,
          log: (l) => {
            if (process.env.MTL_DEBUG) out(l);
          },
          onChange: () => progress.update(),
        }).finally(async () => {
          stopper.dispose();
          total = store.trialsOf(sweep.id).length;
          await progress.stop();
        });
        const c = summary.counts;
        if (summary.status === "completed") {
          if (wasComplete && total === before)
            out(
              `sweep ${sweep.id} (${experiment.name}) is already complete: ${total} trials, nothing to run.`,
            );
          else
            out(
              `sweep ${sweep.id} complete: ${c.completed} completed, ${c.failed} failed, ${c.pruned} pruned, ${c.cancelled} cancelled`,
            );
          out("");
          out(leaderboard(experiment, store.trialsOf(sweep.id)));
          out("");
          out(
            `Per-task metrics over seeds, Δm% and significance: pnpm mtl compare ${sweep.id} --db ${opts.db}`,
          );
        } else {
          out(
            `interrupted: ${c.completed} trials completed; ${c.queued} unfinished will resume on the next \`mtl run ${file}\``,
          );
          process.exitCode = 130;
        }
      } finally {
        await bus?.close();
        lock?.release();
        store.close();
      }
    });
}
