/**
 * `mtl run`'s progress display: the live dashboard when a person watches a terminal, plain
 * lines otherwise (CI, pipes, MTL_DEBUG logs) — tests and logs rely on those lines.
 */
import type { Store } from "@mtl/store";
import { loadLocalDashboard } from "./dashboard-module.ts";
import { ProgressLines } from "./progress.ts";

export interface ProgressDisplay {
  /** Something changed in the store. */
  update(): void;
  /** The run is over: take the view down (the leaderboard follows). */
  stop(): Promise<void>;
}

export interface ProgressOptions {
  store: Store;
  sweepId: number;
  total: () => number | undefined;
  out: (line: string) => void;
  /** The person quit the view (q or Ctrl-C, which raw mode turns into a key): stop the run. */
  onQuit: () => void;
  /** Show the view only when there is a run to watch. @default true */
  live?: boolean;
}

/** Whether the dashboard can run here: it draws on stdout and reads keys from stdin. */
export function canShowDashboard(): boolean {
  return Boolean(process.stdout.isTTY && process.stdin.isTTY) && !process.env.MTL_DEBUG;
}

export async function progressDisplay(o: ProgressOptions): Promise<ProgressDisplay> {
  if ((o.live ?? true) && canShowDashboard()) {
    // Loaded only here, so that runs in CI and the other commands never load React and Ink.
    const { renderDashboard, SqliteSource } = await loadLocalDashboard();
    let stopping = false;
    const view = renderDashboard({
      source: new SqliteSource({ store: o.store, drawsHere: true }),
      sweepId: o.sweepId,
      inline: true,
    });
    // Interrupt only after Ink has let go of the terminal, so the run's messages print cleanly.
    const closed = view.closed.then(() => {
      if (!stopping) o.onQuit();
    });
    return {
      update() {},
      async stop() {
        stopping = true;
        view.close();
        await closed;
      },
    };
  }
  const lines = new ProgressLines(o.store, o.sweepId, o.total, o.out);
  return {
    update: () => lines.update(),
    stop: async () => lines.update(),
  };
}
