import { existsSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { NatsCheckpointStore, NatsWorkerBus } from "@mtl/bus";
import { InputError } from "@mtl/spec";
import { runWorker } from "@mtl/worker";
import { type Command, Option } from "commander";
import { graceMsOf, positiveInt } from "../cli-values.ts";
import { addLimitFlags, type LimitFlags, limitsOf } from "../limit-flags.ts";
import { userPath } from "../load-experiment.ts";
import { addNatsFlags, type NatsFlags, natsOptions, stopOnSignals } from "../nats-flags.ts";
import { programsOfFile, programsOfFlags } from "../programs.ts";
import { assertBackend } from "../validate.ts";
import { commandOf } from "./index.ts";

interface WorkerFlags extends NatsFlags, LimitFlags {
  dataDir: string[];
  nats: string;
  pool: "cpu" | "gpu";
  backend?: string;
  concurrency: number;
  name?: string;
  warmUp: boolean;
  program: string[];
  programs: string[];
  onlyPrograms?: boolean;
  grace: string;
}

export function register(program: Command): void {
  const command = commandOf(program, "worker")
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
    )
    .option(
      "--program <NAME=command>",
      'run trials of your program NAME with this command, e.g. torch="python3 /opt/lab/train.py" (repeatable)',
      (p: string, ps: string[]) => [...ps, p],
      [] as string[],
    )
    .option(
      "--programs <file>",
      'a JSON file of programs: { "NAME": "command" | ["argv", …] }, run in its folder (repeatable)',
      (p: string, ps: string[]) => [...ps, p],
      [] as string[],
    )
    .option("--only-programs", "take only the trials of --program/--programs, not built-in ones")
    .option("--grace <seconds>", "a stopped program gets SIGTERM, then SIGKILL this much later", "10");
  addLimitFlags(addNatsFlags(command)).action(async (opts: WorkerFlags) => {
    const name = opts.name ?? `${hostname()}-${process.pid}`;
    if (!/^[\w.-]+$/.test(name))
      throw new InputError(`--name: expected letters, digits, '_', '.' or '-', got "${name}"`);
    assertBackend(opts.backend);
    const graceMs = graceMsOf(opts.grace);
    const programs = {
      ...programsOfFlags(opts.program),
      ...Object.assign({}, ...opts.programs.map(programsOfFile)),
    };
    if (opts.onlyPrograms && Object.keys(programs).length === 0)
      throw new InputError(
        "--only-programs: register a program with --program NAME=command or --programs FILE",
      );
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
        programs,
        builtin: !opts.onlyPrograms,
        graceMs,
        programLog: out,
        limits: limitsOf(opts),
        checkpoints: await NatsCheckpointStore.open(bus.nc, bus.topology),
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
