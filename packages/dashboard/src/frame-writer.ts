/**
 * Draws whole frames on a terminal by rewriting only the lines that changed. Ink renders into
 * this stream in its `debug` mode (one complete frame per write); we do the terminal updates.
 * Why not Ink's own `incrementalRendering`: in Ink 6.8 it moves the cursor up one line too few
 * after a frame that ends in a newline, so every update lands one row low (seen in tmux).
 */
import { EventEmitter } from "node:events";

const ESC = "\u001b[";
/** Synchronized output (DEC 2026): terminals that know it show each update at once. */
const BEGIN_SYNC = `${ESC}?2026h`;
const END_SYNC = `${ESC}?2026l`;
export const HIDE_CURSOR = `${ESC}?25l`;
export const SHOW_CURSOR = `${ESC}?25h`;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point.
const CONTROL_ONLY = /^(\u001b\[[0-9;?]*[A-Za-z])+$/;

/**
 * The escape sequence that turns `prev` (null: nothing drawn yet) into `next` on screen, with
 * the cursor at the start of the line after the block before and after. Lines are cleared
 * before they are written, never after: erasing to the end of a full-width line would eat its
 * last character.
 */
export function frameUpdate(prev: readonly string[] | null, next: readonly string[]): string {
  // "\r\n", not "\n": the terminal may not add the carriage return in raw mode.
  if (prev === null) return `${next.map((l) => `${ESC}2K${l}`).join("\r\n")}\r\n`;
  if (prev.length === next.length && prev.every((l, i) => l === next[i])) return "";
  let out = prev.length > 0 ? `${ESC}${prev.length}A\r` : "";
  let skip = 0;
  const down = () => {
    if (skip > 0) out += `${ESC}${skip}B\r`;
    skip = 0;
  };
  const rows = Math.max(prev.length, next.length);
  for (let i = 0; i < rows; i++) {
    const line = next[i];
    const changed = i >= prev.length || line !== prev[i];
    if (changed) {
      down();
      out += `${ESC}2K${line ?? ""}`;
      // Past the old block the screen may have to scroll: only a newline does that.
      out += i >= prev.length ? "\r\n" : `${ESC}1E`;
    } else skip++;
  }
  down();
  if (prev.length > next.length) out += `${ESC}${prev.length - next.length}A\r`;
  return out;
}

/**
 * A stand-in for stdout that Ink renders to. It forwards the terminal's size and resizes, and
 * writes each frame as a minimal update of the previous one.
 */
export class FrameWriter extends EventEmitter {
  readonly isTTY = true;
  private prev: string[] | null = null;
  private readonly onResize = () => {
    // The terminal may have reflowed what was drawn: start over.
    if (this.fullScreen) this.out.write(`${ESC}2J${ESC}H`);
    this.prev = null;
    this.emit("resize");
  };

  constructor(
    private readonly out: NodeJS.WriteStream,
    /** The block starts at the top of the (alternate) screen rather than at the cursor. */
    private readonly fullScreen: boolean,
  ) {
    super();
    out.on("resize", this.onResize);
  }

  get columns(): number {
    return this.out.columns || 80;
  }

  get rows(): number {
    return this.out.rows || 24;
  }

  write(frame: string): boolean {
    // Ink also writes bare control sequences (showing the cursor on exit): pass those through.
    if (CONTROL_ONLY.test(frame)) {
      this.out.write(frame);
      return true;
    }
    const next = frame.split("\n");
    const update = frameUpdate(this.prev, next);
    this.prev = next;
    if (update) this.out.write(BEGIN_SYNC + update + END_SYNC);
    return true;
  }

  /** Erases the block, leaving the cursor where it began (for output that follows it). */
  clear(): void {
    if (this.prev) this.out.write(frameUpdate(this.prev, []));
    this.prev = null;
  }

  /** Stops following resizes; the cursor is left on the line after the block. */
  detach(): void {
    this.out.off("resize", this.onResize);
  }
}
