/** @jsxRuntime automatic @jsxImportSource react */
import { render } from "ink";
import { FrameWriter, HIDE_CURSOR, SHOW_CURSOR } from "./frame-writer.ts";
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
  /** Inside `mtl run`: drawn below the run's first line rather than on the alternate screen, and `q` reads "stop run". @default false */
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
  const alt = !options.inline;
  stdout.write((alt ? ENTER_ALT : "") + HIDE_CURSOR);
  const frames = new FrameWriter(stdout, alt);
  const instance = render(
    <Dashboard
      source={options.source}
      sweepId={options.sweepId}
      intervalMs={options.intervalMs}
      inline={options.inline}
      onQuit={options.onQuit}
    />,
    {
      stdout: frames as unknown as NodeJS.WriteStream,
      stdin: options.stdin ?? process.stdin,
      // Debug mode hands every frame to the FrameWriter whole, which redraws only changed lines.
      debug: true,
      // Ctrl-C arrives as a key in raw mode; the dashboard treats it as quit (and stops a run inline).
      exitOnCtrlC: false,
      patchConsole: false,
    },
  );
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    // Inline, the run's summary and leaderboard take the view's place.
    if (!alt) frames.clear();
    frames.detach();
    stdout.write(SHOW_CURSOR + (alt ? LEAVE_ALT : ""));
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
