import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Whether tmux is on PATH (the dashboard e2e tests need it: scripts/install-system-deps.sh). */
export function hasTmux(): boolean {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

let next = 0;

/**
 * One tmux server on its own socket (`-L`), so tests never touch a user's sessions or each
 * other's; `kill()` ends the server and everything running in it.
 */
export class Tmux {
  readonly socket = `mtl-e2e-${process.pid}-${next++}`;

  private tmux(...args: string[]): string {
    return execFileSync("tmux", ["-L", this.socket, ...args], { encoding: "utf8" });
  }

  /**
   * Starts `command` (a shell line) in a detached window of the given size, named `name`. End
   * the line with a sleep to read the screen after the command: with tmux's remain-on-exit
   * instead, the last lines were sometimes gone from capture-pane.
   */
  start(name: string, command: string, size = { width: 100, height: 30 }): void {
    this.tmux(
      "-f",
      "/dev/null",
      "new-session",
      "-d",
      "-s",
      name,
      "-x",
      String(size.width),
      "-y",
      String(size.height),
      command,
    );
  }

  /** Sends tmux key names (Down, Enter, Escape, Tab, …) or literal text with `{ literal: true }`. */
  keys(name: string, keys: string[], options: { literal?: boolean } = {}): void {
    this.tmux("send-keys", "-t", name, ...(options.literal ? ["-l"] : []), ...keys);
  }

  /** The visible screen as text. */
  screen(name: string): string {
    return this.tmux("capture-pane", "-p", "-t", name);
  }

  /** Waits until the screen matches `pattern`; fails with the screen it last saw. */
  async waitFor(name: string, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let text = "";
    for (;;) {
      text = this.screen(name);
      if (pattern.test(text)) return text;
      if (Date.now() > end)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}; screen:\n${text}`);
      await sleep(100);
    }
  }

  /** Waits until `pattern` is gone from the screen. */
  async waitForNo(name: string, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const text = this.screen(name);
      if (!pattern.test(text)) return text;
      if (Date.now() > end) throw new Error(`timed out waiting for ${pattern} to go; screen:\n${text}`);
      await sleep(100);
    }
  }

  /** Ends the server and removes its socket file (tmux leaves it behind). */
  kill(): void {
    try {
      const socket = this.tmux("display-message", "-p", "#{socket_path}").trim();
      this.tmux("kill-server");
      if (socket) rmSync(socket, { force: true });
    } catch {
      // Already gone.
    }
  }
}
