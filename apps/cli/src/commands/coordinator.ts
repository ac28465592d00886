import { redactUrl } from "@mtl/bus";
import { DEFAULT_NATS_PARALLELISM, runDistributed } from "@mtl/coordinator";
import { Store } from "@mtl/store";
import { type Command, Option } from "commander";
import { COORDINATOR_LOCK, DEFAULT_DB, positiveInt } from "../cli-values.ts";
import { userPath } from "../load-experiment.ts";
import { addNatsFlags, type NatsFlags, natsOptions, stopOnSignals } from "../nats-flags.ts";
import { commandOf } from "./index.ts";
import { refusedAsInput } from "./run.ts";

interface CoordinatorFlags extends NatsFlags {
  nats: string;
  db: string;
  parallelism?: number;
}

export function register(program: Command): void {
  const command = commandOf(program, "coordinator")
    .addOption(
      new Option("--nats <url>", "NATS server URL(s), comma-separated").env("NATS_URL").makeOptionMandatory(),
    )
    .option("--db <path>", "SQLite results file", DEFAULT_DB)
    .option(
      "--parallelism <n>",
      `trials queued or running per sweep, unless its experiment says (default ${DEFAULT_NATS_PARALLELISM})`,
      positiveInt("--parallelism"),
    );
  addNatsFlags(command).action(async (opts: CoordinatorFlags) => {
    const out = (line: string) => process.stdout.write(`${line}\n`);
    const store = new Store(userPath(opts.db));
    const stop = stopOnSignals(() => out("coordinator: stopping; running trials stay with their workers"));
    const lost = (what: string) => () => {
      process.stderr.write(`mtl: ${what}; stopping\n`);
      process.exitCode = 1;
      stop.stop();
    };
    let lock: { release(): void } | undefined;
    try {
      lock = store.holdLock(COORDINATOR_LOCK, "mtl coordinator", {
        onLost: lost(`another process took ${opts.db} over`),
      });
      out(`coordinator: ${opts.db} over ${redactUrl(opts.nats)} (namespace ${opts.namespace})`);
      await runDistributed({
        store,
        nats: {
          ...natsOptions(opts, opts.nats, (l) => out(`nats: ${l}`)),
          what: `mtl coordinator (${opts.db})`,
        },
        parallelism: opts.parallelism,
        signal: stop.signal,
        log: out,
      });
    } catch (error) {
      throw refusedAsInput(error);
    } finally {
      stop.dispose();
      lock?.release();
      store.close();
    }
  });
}
