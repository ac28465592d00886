import type { DashboardSource } from "@mtl/dashboard/local";
import { InputError } from "@mtl/spec";
import type { Command } from "commander";
import { DEFAULT_DB, positiveInt } from "../cli-values.ts";
import { loadLocalDashboard } from "../dashboard-module.ts";
import { userPath } from "../load-experiment.ts";
import { addNatsFlags, type NatsFlags, natsOptions } from "../nats-flags.ts";
import { commandOf } from "./index.ts";

interface DashOptions extends NatsFlags {
  db?: string;
  sweep?: number;
  interval: number;
}

/**
 * Loads the dashboard with React in its production build: development React costs several
 * times the CPU per redraw. Only here, where nothing trains in this process (tfjs reads
 * NODE_ENV too), and before React is first imported, which is why the import is dynamic.
 */
async function loadDashboard() {
  process.env.NODE_ENV ??= "production";
  return loadLocalDashboard();
}

async function openSource(opts: DashOptions): Promise<DashboardSource> {
  if (opts.db && opts.nats) throw new InputError("give --db or --nats, not both");
  if (opts.nats) {
    // The NATS client is loaded only for a dashboard over NATS.
    const { connectNatsSource } = await import("@mtl/dashboard/remote");
    try {
      return await connectNatsSource(natsOptions(opts, opts.nats));
    } catch (error) {
      throw new InputError((error as Error).message);
    }
  }
  const { SqliteSource } = await loadDashboard();
  const db = opts.db ?? DEFAULT_DB;
  try {
    return new SqliteSource({ path: userPath(db), drawsHere: true });
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot open results database ${db}: ${(error as Error).message}`);
  }
}

export function register(program: Command): void {
  addNatsFlags(commandOf(program, "dash"), { jetstream: false })
    .option("--db <path>", `SQLite results file (default: ${DEFAULT_DB})`)
    .option("--nats <url>", "ask a coordinator over NATS instead of reading a file")
    .option("--sweep <id>", "sweep to show first (default: the latest)", positiveInt("--sweep"))
    .option("--interval <ms>", "milliseconds between refreshes", positiveInt("--interval"), 500)
    .action(async (opts: DashOptions) => {
      if (!process.stdout.isTTY || !process.stdin.isTTY)
        throw new InputError("mtl dash needs a terminal; for plain output use `mtl trials`");
      const source = await openSource(opts);
      const { renderDashboard } = await loadDashboard();
      try {
        const view = renderDashboard({ source, sweepId: opts.sweep, intervalMs: opts.interval });
        const stop = () => view.close();
        process.on("SIGTERM", stop);
        process.on("SIGHUP", stop);
        // The terminal went away (EIO): nothing is left to draw on.
        process.stdout.on("error", stop);
        try {
          await view.closed;
        } finally {
          process.off("SIGTERM", stop);
          process.off("SIGHUP", stop);
          process.stdout.off("error", stop);
        }
      } finally {
        await source.close();
      }
    });
}
