/**
 * Where a trial waits for a worker. Built-in trials wait in their pool's queue; a program's trial
 * waits in a queue of its own per pool and program, which only workers that registered a program
 * of that name read. So a worker is never handed a trial it could run only by taking a command
 * from the wire: it lacks the program, it never sees the trial.
 */
import { isProgramTrial } from "@mtl/spec";
import type { TrialMessage } from "./messages.ts";

export type Pool = "cpu" | "gpu";
export const POOLS: readonly Pool[] = ["cpu", "gpu"];

export interface Queue {
  pool: Pool;
  /** The program whose trials this queue holds; absent for built-in trials. */
  program?: string;
}

/** The queue a trial message belongs in. */
export const queueOf = (m: Pick<TrialMessage, "pool" | "config">): Queue =>
  isProgramTrial(m.config) ? { pool: m.pool, program: m.config.program } : { pool: m.pool };

/** `cpu`, or `cpu-program-NAME`: a subject token and a consumer name (program names have no dots). */
export const queueKey = (q: Queue): string => (q.program ? `${q.pool}-program-${q.program}` : q.pool);

/** `cpu`, or `cpu program NAME`, for logs. */
export const describeQueue = (q: Queue): string => (q.program ? `${q.pool} program ${q.program}` : q.pool);
