#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";
import { CommanderError } from "commander";
import { programFor } from "./program.ts";

// Every core trains, so V8's background compiler threads starve: compile WebAssembly (the wasm
// backend, the SIMD kernels) with the optimising compiler at once. On baseline code two
// concurrent first trials ran 2.5× slower than one alone. (GC flags cannot be changed this late:
// --single-threaded-gc set here crashed V8's heap marker.)
setFlagsFromString("--no-liftoff");

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
 * run-summary.ts for all of them). What it prints has any URL's credentials redacted. The
 * libraries that tell are loaded here, not up front: `mtl --help` needs neither.
 */
async function exitCodeOf(error: unknown): Promise<number> {
  if (error instanceof CommanderError) return error.exitCode === 1 ? 2 : error.exitCode;
  const [{ InputError }, { redactUrls }] = await Promise.all([
    import("@mtl/spec"),
    import("@mtl/bus/redact"),
  ]);
  const say = (line: string) => process.stderr.write(`${redactUrls(line)}\n`);
  if (error instanceof InputError) {
    say(`mtl: ${error.message}`);
    for (const d of error.details) say(`  ${d}`);
    return 2;
  }
  say(`mtl: ${(error as Error).message ?? String(error)}`);
  if (process.env.MTL_DEBUG) say(`${(error as Error).stack}`);
  return 1;
}

const args = process.argv.slice(2);
programFor(args)
  .then((program) => program.parseAsync(args, { from: "user" }))
  .then(
    () => exitWhenFlushed(Number(process.exitCode ?? 0)),
    (error) => exitCodeOf(error).then(exitWhenFlushed),
  );
