import { existsSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { NatsWorkerBus } from "@mtl/bus";
import { InputError } from "@mtl/spec";
import { runWorker } from "@mtl/worker";
import { type Command, Option } from "commander";
import { addLimitFlags, type LimitFlags, limitsOf } from "../limit-flags.ts";
import { userPath } from "../load-experiment.ts";
import { addNatsFlags, type NatsFlags, natsOptions, stopOnSignals } from "../nats-flags.ts";
import { assertBackend } from "../validate.ts";
import { positiveInt } from "./run.ts";

interface WorkerFlags extends NatsFlags, LimitFlags {
  dataDir: string[];
  nats: string;
  pool: "cpu" | "gpu";
  backend?: string;
  concurrency: number;
  name?: string;
  warmUp: boolean;
}

export function register(program: Command): void {
  const command = program
    .command("worker")
    .description("take trials from a NATS coordinator and train them (one thread per --concurrency)")
    .addOption(
      new Option("--nats <url>", "NATS server URL(s), comma-separated").env("NATS_URL").makeOptionMandatory(),
    )
    .addOption(new Option("--pool <pool>", "which trials to take").choices(["cpu", "gpu"]).default("cpu"))
    .option("--backend <name>", "tensorflow-gpu, tensorflow, wasm or cpu (default: the best that loads)")
    .option("--concurrency <n>", "trials trained at once", positiveInt("--concurrency"), 1)
    .option("--name <name>", "unique worker name (default: host-pid)")
    .option("--no-warm-up", "take trials at once, without first training a short made-up run")
    .option(
      "--data-dir <dir>",
      "a folder trials may read data files from (repeatable; none by default: only generated datasets)",
      (dir: string, dirs: string[]) => [...dirs, dir],
      [] as string[],
    );
  addLimitFlags(addNatsFlags(command)).action(async (opts: WorkerFlags) => {
    const name = opts.name ?? `${hostname()}-${process.pid}`;
    if (!/^[\w.-]+$/.test(name))
      throw new InputError(`--name: expected letters, digits, '_', '.' or '-', got "${name}"`);
    assertBackend(opts.backend);
    const dataDirs = opts.dataDir.map((d) => {
      const dir = userPath(d);
      if (!existsSync(dir) || !statSync(dir).isDirectory())
        throw new InputError(`--data-dir: ${d} is not a folder`);
      return dir;
    });
    const out = (line: string) => process.stdout.write(`${line}\n`);
    const bus = await NatsWorkerBus.connect(natsOptions(opts, opts.nats, (l) => out(`nats: ${l}`)));
    const stop = stopOnSignals(() => out(`worker ${name}: stopping; running trials go back to the queue`));
    try {
      const { trialsDone } = await runWorker({
        bus,
        name,
        pool: opts.pool,
        concurrency: opts.concurrency,
        backend: opts.backend,
        warmUp: opts.warmUp,
        dataDirs,
        limits: limitsOf(opts),
        signal: stop.signal,
        log: out,
      });
      out(`worker ${name}: ${trialsDone} trial(s) completed`);
    } finally {
      stop.dispose();
      await bus.close();
    }
  });
}
