/**
 * CPU time per thread of chosen processes, read from /proc (Linux), for `pnpm bench
 * orchestration`: when two workers share two cores, every CPU-second the coordinator, the bus or
 * a worker's main thread takes is one the training threads lose. Elsewhere the readings are empty.
 */
import { readdirSync, readFileSync } from "node:fs";

/** utime + stime of every thread of the given processes, in clock ticks, by "pid/tid". */
export type ThreadTicks = Map<string, number>;

/** Linux's USER_HZ: what /proc/…/stat counts in, 100 on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

function threadTicks(pid: number, tid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: fields start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined; // the thread ended between the listing and the read
  }
}

export function readThreadTicks(pids: number[]): ThreadTicks {
  const ticks: ThreadTicks = new Map();
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      const t = threadTicks(pid, tid);
      if (t !== undefined) ticks.set(`${pid}/${tid}`, t);
    }
  }
  return ticks;
}

/** The pids of running processes whose command name is `name` (e.g. "nats-server"). */
export function pidsNamed(name: string): number[] {
  try {
    return readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/comm`, "utf8").trim() === name;
        } catch {
          return false;
        }
      })
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU-seconds spent between two readings, summed by role. `roleOf` names the role of a thread
 * from its pid, its tid and whether it was the busiest thread of its process in the interval
 * other than the main one (a worker's training thread).
 */
export function cpuByRole(
  before: ThreadTicks,
  after: ThreadTicks,
  roleOf: (thread: { pid: number; tid: number; busiestSideThread: boolean }) => string,
): Map<string, number> {
  const spent: { pid: number; tid: number; ticks: number }[] = [];
  const busiest = new Map<number, { tid: number; ticks: number }>();
  for (const [key, ticks] of after) {
    const d = ticks - (before.get(key) ?? 0);
    if (d <= 0) continue;
    const [pid, tid] = key.split("/").map(Number) as [number, number];
    spent.push({ pid, tid, ticks: d });
    if (pid !== tid && d > (busiest.get(pid)?.ticks ?? 0)) busiest.set(pid, { tid, ticks: d });
  }
  const byRole = new Map<string, number>();
  for (const { pid, tid, ticks } of spent) {
    const role = roleOf({ pid, tid, busiestSideThread: busiest.get(pid)?.tid === tid });
    byRole.set(role, (byRole.get(role) ?? 0) + ticks / TICKS_PER_SECOND);
  }
  return byRole;
}
