/**
 * A lock row per name (e.g. "coordinator"): who runs this database's sweeps now. SQLite's own
 * locking covers one transaction; this covers a whole run, so that two `mtl run` on one file do
 * not both plan and train the same sweep.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

/** The lock is held by a live process: the caller must not run. */
export class LockHeld extends Error {
  constructor(
    readonly holder: { pid: number; host: string; what: string; since: number },
    path: string,
  ) {
    super(
      `${path} is in use by ${holder.what} (pid ${holder.pid} on ${holder.host}, since ${new Date(holder.since).toISOString()}); ` +
        "wait for it to finish or stop it, or use another --db",
    );
    this.name = "LockHeld";
  }
}

/** This process, as a lock holder. */
export interface LockOwner {
  token: string;
  pid: number;
  host: string;
}

export const thisProcess = (): LockOwner => ({ token: randomUUID(), pid: process.pid, host: hostname() });

/** Whether a process with this pid runs on this host (EPERM: it runs, as another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether a holder is gone: on this host, when its pid no longer runs; on another host (a shared
 * file system), when it has not refreshed the lock for `staleMs`.
 */
export function holderGone(
  holder: { pid: number; host: string; seenAt: number },
  me: LockOwner,
  now: number,
  staleMs: number,
  alive: (pid: number) => boolean = pidAlive,
): boolean {
  if (holder.host === me.host) return holder.pid !== me.pid && !alive(holder.pid);
  return now - holder.seenAt > staleMs;
}
