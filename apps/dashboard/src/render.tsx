/** @jsxRuntime automatic @jsxImportSource react */
import { render } from "ink";
import type { DashboardSource } from "./source.ts";
import { Dashboard } from "./ui/Dashboard.tsx";

export interface RenderDashboardOptions {
  source: DashboardSource;
  /** Sweep to show first. @default the latest */
  sweepId?: number;
  /** @default process.stdout */
  stdout?: NodeJS.WriteStream;
  /** @default process.stdin */
  stdin?: NodeJS.ReadStream;
  /** Milliseconds between polls. @default 500 */
  intervalMs?: number;
  /** Inside `mtl run`: `q` and Ctrl-C stop the run; drawn in the normal screen, not the alternate one. @default false */
  inline?: boolean;
  /** Called when the person quits (q or Ctrl-C). */
  onQuit?: () => void;
}

export interface DashboardHandle {
  /** Resolves when the dashboard has closed (the person quit, or `close` was called). */
  closed: Promise<void>;
  /** Closes the dashboard and restores the terminal. */
  close(): void;
}

// Alternate screen: the standalone dashboard leaves the scrollback as it found it.
const ENTER_ALT = "\u001b[?1049h\u001b[H";
const LEAVE_ALT = "\u001b[?1049l";

/** Renders the dashboard to a terminal. Used by `mtl dash` and, inline, by `mtl run`. */
export function renderDashboard(options: RenderDashboardOptions): DashboardHandle {
  const stdout = options.stdout ?? process.stdout;
  const alt = !options.inline && stdout.isTTY;
  if (alt) stdout.write(ENTER_ALT);
  const instance = render(
    <Dashboard
      source={options.source}
      sweepId={options.sweepId}
      intervalMs={options.intervalMs}
      inline={options.inline}
      onQuit={options.onQuit}
    />,
    {
      stdout,
      stdin: options.stdin ?? process.stdin,
      // Ctrl-C arrives as a key in raw mode; the dashboard treats it as quit (and stops a run inline).
      exitOnCtrlC: false,
      patchConsole: false,
      // Rewrites only the lines that changed: less output and no flicker at 2 redraws a second.
      incrementalRendering: true,
      maxFps: 10,
    },
  );
  let left = false;
  const restore = () => {
    if (left) return;
    left = true;
    if (alt) stdout.write(LEAVE_ALT);
  };
  const closed = instance.waitUntilExit().then(
    () => {
      instance.cleanup();
      restore();
    },
    (error: unknown) => {
      restore();
      throw error;
    },
  );
  return {
    closed,
    close() {
      instance.unmount();
    },
  };
}
