/**
 * Values and flag parsers shared by several commands. Kept apart from the commands themselves so
 * that one command's module does not load another's (and its libraries) for a default or a parser.
 */
import { InputError } from "@mtl/spec";

/** The results file a command uses when given no `--db`. */
export const DEFAULT_DB = "mtl.db";

/** The lock row a process running a database's sweeps holds (embedded or coordinating over NATS). */
export const COORDINATOR_LOCK = "coordinator";

/** A commander parser for a flag that takes a positive integer. */
export const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${name}: expected a positive integer, got "${v}"`);
  return n;
};

/** `--grace <seconds>`: how long a stopped program has between SIGTERM and SIGKILL. */
export function graceMsOf(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < 0)
    throw new InputError(`--grace: expected seconds (a number ≥ 0), got "${v}"`);
  return Math.round(n * 1000);
}
