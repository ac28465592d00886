#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";
import { redactUrls } from "@mtl/bus";
import { InputError } from "@mtl/spec";
import { Command, CommanderError } from "commander";
import * as check from "./commands/check.ts";
import * as compare from "./commands/compare.ts";
import * as coordinator from "./commands/coordinator.ts";
import * as dash from "./commands/dash.ts";
import * as du from "./commands/du.ts";
import * as exportCommand from "./commands/export.ts";
import * as gc from "./commands/gc.ts";
import * as list from "./commands/list.ts";
import * as report from "./commands/report.ts";
import * as run from "./commands/run.ts";
import * as trials from "./commands/trials.ts";
import * as worker from "./commands/worker.ts";

// Every core trains, so V8's background compiler threads starve: compile WebAssembly (the wasm
// backend, the SIMD kernels) with the optimising compiler at once. On baseline code two
// concurrent first trials ran 2.5× slower than one alone. (GC flags cannot be changed this late:
// --single-threaded-gc set here crashed V8's heap marker.)
setFlagsFromString("--no-liftoff");

const program = new Command("mtl")
  .description("MTL Lab: sweeps, dashboards and honest comparisons for multi-task and meta-learning")
  .showHelpAfterError()
  .exitOverride();

for (const command of [
  run,
  check,
  dash,
  trials,
  list,
  compare,
  report,
  coordinator,
  worker,
  du,
  gc,
  exportCommand,
])
  command.register(program);

/**
 * Ends the process once stdout and stderr have handed everything to the OS: `process.exit()` right
 * after a write drops what a pipe has not taken yet (JSON over 64 KiB arrived cut). Exiting at all,
 * rather than letting the loop drain, ends what a library left behind (a timer, a socket).
 */
function exitWhenFlushed(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}

/**
 * The exit code of an error: 2 for the user's input (and command-line syntax), 1 otherwise (see
 * run-summary.ts for all of them). What it prints has any URL's credentials redacted.
 */
function exitCodeOf(error: unknown): number {
  const say = (line: string) => process.stderr.write(`${redactUrls(line)}\n`);
  if (error instanceof InputError) {
    say(`mtl: ${error.message}`);
    for (const d of error.details) say(`  ${d}`);
    return 2;
  }
  if (error instanceof CommanderError) return error.exitCode === 1 ? 2 : error.exitCode;
  say(`mtl: ${(error as Error).message ?? String(error)}`);
  if (process.env.MTL_DEBUG) say(`${(error as Error).stack}`);
  return 1;
}

program.parseAsync(process.argv).then(
  () => exitWhenFlushed(Number(process.exitCode ?? 0)),
  (error) => exitWhenFlushed(exitCodeOf(error)),
);
