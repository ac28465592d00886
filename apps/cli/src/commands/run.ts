import { availableParallelism } from "node:os";
import {
  checkpointFolderOf,
  connectNats,
  FolderCheckpointStore,
  NamespaceHeld,
  NatsCheckpointStore,
  type NatsCoordinatorBus,
  redactUrl,
  topologyOf,
} from "@mtl/bus";
import { applyRetention, connectCoordinatorBus, sweepOverNats, sweepSampler } from "@mtl/coordinator";
import { InputError, isTerminal } from "@mtl/spec";
import { LockHeld, Store, type SweepRow } from "@mtl/store";
import { describeDataset } from "@mtl/trainer/catalog";
import type { Command } from "commander";
import { COORDINATOR_LOCK, DEFAULT_DB, graceMsOf, positiveInt } from "../cli-values.ts";
import { embeddedDataDirs } from "../data-dirs.ts";
import { runEmbedded } from "../embedded.ts";
import { leaderboard } from "../leaderboard.ts";
import { addLimitFlags, type LimitFlags, limitsOf } from "../limit-flags.ts";
import { loadExperiment, userPath } from "../load-experiment.ts";
import { addNatsFlags, type NatsFlags, natsOptions, stopOnSignals } from "../nats-flags.ts";
import { embeddedPrograms } from "../programs.ts";
import { progressDisplay } from "../progress-view.ts";
import { EXIT, EXIT_CODES_HELP, failureReport, rerunCommand } from "../run-summary.ts";
import { assertBackend, assertPlannable, assertValidExperiment, withNameProblems } from "../validate.ts";
import { commandOf } from "./index.ts";

/**
 * Another process runs this database's sweeps, or coordinates this NATS namespace: the user's
 * choice of --db or --namespace is what is wrong, so it ends as bad input does (exit 2).
 */
export function refusedAsInput(error: unknown): unknown {
  return error instanceof LockHeld || error instanceof NamespaceHeld
    ? new InputError(error.message, [], { cause: error })
    : error;
}

interface RunFlags extends NatsFlags, LimitFlags {
  db: string;
  grace: string;
  workers?: number;
  backend?: string;
  maxTrials?: number;
  submit?: boolean;
  retryFailed?: boolean;
}

export function register(program: Command): void {
  addLimitFlags(addNatsFlags(commandOf(program, "run")))
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
    .option("--retry-failed", "queue the sweep's failed trials again and run them")
    .option("--grace <seconds>", "a stopped program gets SIGTERM, then SIGKILL this much later", "10")
    .addHelpText("after", EXIT_CODES_HELP)
    .action(async (file: string, opts: RunFlags) => {
      // Everything is checked before the results file is opened: bad input writes nothing.
      assertBackend(opts.backend);
      const graceMs = graceMsOf(opts.grace);
      const { experiment, path } = await loadExperiment(file).catch((e) =>
        withNameProblems(e, (rest) => {
          const dirs = embeddedDataDirs(rest.experiment, rest.path);
          return opts.nats || opts.submit
            ? { baseDir: dirs[0] ?? process.cwd(), dataDirs: dirs, programs: "workers" as const }
            : {
                baseDir: dirs[0] ?? process.cwd(),
                dataDirs: dirs,
                limits: limitsOf(opts),
                programs: "embedded" as const,
              };
        }),
      );
      if (opts.maxTrials) experiment.sweep.maxTrials = opts.maxTrials;
      const dataDirs = embeddedDataDirs(experiment, path);
      const limits = limitsOf(opts);
      await assertValidExperiment(experiment, file, {
        baseDir: dataDirs[0] ?? process.cwd(),
        dataDirs,
        // The embedded workers' limits and programs; workers over NATS have their own.
        ...(opts.nats || opts.submit
          ? { programs: "workers" as const }
          : { limits, programs: "embedded" as const }),
      });
      assertPlannable(experiment);
      // A csv dataset's feature columns, shown with the sweep: a label among them would leak.
      // (Display only: validation has checked the data, and a path swept in the space is not here.)
      const features =
        experiment.kind === "builtin"
          ? await describeDataset(experiment.dataset, {
              baseDir: dataDirs[0] ?? process.cwd(),
              dataDirs,
            }).then(
              (d) => d.features,
              () => undefined,
            )
          : undefined;
      const command = rerunCommand(file, opts);
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
        if (opts.retryFailed) {
          const retried = store.retryFailedTrials(sweep.id, experiment.sweep.maxAttempts);
          process.stdout.write(`${retried.length} failed trial(s) of sweep ${sweep.id} queued again\n`);
        }
        const before = store.trialsOf(sweep.id).length;
        const wasComplete = store.sweepStatus(sweep.id) === "completed";
        if (opts.submit) {
          store.setSweepStatus(sweep.id, sweep.status === "paused" ? "paused" : "running");
          process.stdout.write(`sweep ${sweep.id} (${experiment.name}) submitted to ${opts.db}\n`);
          return;
        }
        const workers = opts.workers ?? availableParallelism();
        const out = (line: string) => process.stdout.write(`${line}\n`);
        const where = opts.nats
          ? `workers over NATS at ${redactUrl(opts.nats)}`
          : `${workers} local worker(s)`;
        const shown = features ? ` · features ${features.join(", ")}` : "";
        out(`sweep ${sweep.id} · ${experiment.name}${shown} · ${where} · results in ${opts.db}`);
        const natsLog = (l: string) => process.stderr.write(`nats: ${l}\n`);
        const runSweep = opts.nats
          ? sweepOverNats(natsOptions(opts, opts.nats, natsLog), undefined, bus)
          : runEmbedded;
        const stopper = stopOnSignals(() =>
          out("stopping: interrupting running trials (Ctrl-C again to force)…"),
        );
        stopRun = stopper.stop;
        // The grid's size (or the trial budget), for progress and ETA.
        let total = sweepSampler(experiment).total;
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
          dataDirs,
          limits,
          programs: embeddedPrograms(experiment, path),
          graceMs,
          // Embedded: beside the results file (over NATS each worker uses the namespace's store).
          ...(opts.nats
            ? {}
            : { checkpoints: new FolderCheckpointStore(checkpointFolderOf(userPath(opts.db))) }),
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
        const trials = store.trialsOf(sweep.id);
        if (summary.status === "completed") {
          const counts = `${c.completed} completed, ${c.failed} failed, ${c.pruned} pruned, ${c.cancelled} cancelled`;
          if (wasComplete && total === before)
            out(
              `sweep ${sweep.id} (${experiment.name}) is already complete: ${total} trials (${counts}), nothing to run.`,
            );
          else out(`sweep ${sweep.id} complete: ${counts}`);
          const failures = failureReport(trials, command);
          for (const l of failures) out(l);
          out("");
          out(leaderboard(experiment, trials));
          out("");
          out(
            `Per-task metrics over seeds, Δm% and significance: pnpm exec mtl compare ${sweep.id} --db ${opts.db}`,
          );
          if (failures.length > 0) process.exitCode = EXIT.trialsFailed;
          // The sweep has ended: its kept models are now those of its retention policy.
          const plan = await retain(store, store.getSweep(sweep.id) ?? sweep, opts).catch((e) => {
            process.stderr.write(
              `mtl: kept models not pruned (mtl gc does it later): ${(e as Error).message}\n`,
            );
            return undefined;
          });
          if (plan && plan.keep.length > 0)
            out(
              `Kept models of ${new Set(plan.keep.map((m) => m.trialId)).size} trial(s) (checkpoint.keep: ${JSON.stringify(plan.policy)}): pnpm exec mtl export TRIAL --out DIR --db ${opts.db}`,
            );
        } else {
          // Every trial not finished: those in the store and those the sampler has yet to plan.
          const finished = trials.filter((t) => isTerminal(t.state)).length;
          const unfinished = Math.max(sweepSampler(experiment).total ?? 0, trials.length) - finished;
          out(
            `interrupted: ${c.completed} trials completed; ${unfinished} unfinished will resume on the next \`${command}\``,
          );
          process.exitCode = EXIT.interrupted;
        }
      } finally {
        await bus?.close();
        lock?.release();
        store.close();
      }
    });
}

/**
 * Applies an ended sweep's retention policy where its workers kept the models: the folder beside
 * the results file, or the namespace's object store (on a connection of its own: the sweep's is
 * closed by now).
 */
async function retain(store: Store, sweep: SweepRow, opts: NatsFlags & { db: string; nats?: string }) {
  if (!opts.nats)
    return applyRetention(store, sweep, new FolderCheckpointStore(checkpointFolderOf(userPath(opts.db))));
  const nc = await connectNats(natsOptions(opts, opts.nats));
  try {
    return await applyRetention(store, sweep, await NatsCheckpointStore.open(nc, topologyOf(opts.namespace)));
  } finally {
    await nc.close();
  }
}
