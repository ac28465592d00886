import { describe, expect, it } from "vitest";
import { frameUpdate } from "./frame-writer.ts";

/** A minimal terminal: enough of VT100 to replay what frameUpdate writes, with scrolling. */
class Screen {
  rows: string[][];
  r = 0;
  c = 0;
  constructor(
    readonly height: number,
    readonly width: number,
  ) {
    this.rows = Array.from({ length: height }, () => []);
  }
  private down(scroll: boolean) {
    if (this.r < this.height - 1) this.r++;
    else if (scroll) {
      this.rows.shift();
      this.rows.push([]);
    }
  }
  write(s: string) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: parsing escape sequences is the point.
    const re = /\u001b\[([0-9;?]*)([A-Za-z])|\r|\n|[^\u001b\r\n]/gu;
    for (const m of s.matchAll(re)) {
      const [all, arg, op] = m;
      const n = Number(arg) || 1;
      if (all === "\r") this.c = 0;
      else if (all === "\n") this.down(true);
      else if (op === "A") this.r = Math.max(0, this.r - n);
      else if (op === "B") this.r = Math.min(this.height - 1, this.r + n);
      else if (op === "E") {
        this.r = Math.min(this.height - 1, this.r + n);
        this.c = 0;
      } else if (op === "K" && arg === "2") this.rows[this.r] = [];
      else if (op) {
        // modes (sync, cursor visibility): no effect on the text
      } else {
        this.rows[this.r]![this.c] = all;
        this.c = Math.min(this.c + 1, this.width - 1);
      }
    }
  }
  text() {
    return this.rows.map((r) =>
      Array.from(r, (ch) => ch ?? " ")
        .join("")
        .trimEnd(),
    );
  }
}

describe("frameUpdate", () => {
  it("draws the first frame and leaves the cursor on the next line", () => {
    const s = new Screen(5, 20);
    s.write(frameUpdate(null, ["a", "b"]));
    expect(s.text()).toEqual(["a", "b", "", "", ""]);
    expect([s.r, s.c]).toEqual([2, 0]);
  });

  it("rewrites only changed lines, in place", () => {
    const s = new Screen(6, 20);
    s.write("prompt\r\n");
    const one = ["header 1", "row a", "row b", "help"];
    s.write(frameUpdate(null, one));
    const two = ["header 2", "row a", "row B!", "help"];
    const update = frameUpdate(one, two);
    expect(update).not.toContain("row a");
    expect(update).not.toContain("help");
    s.write(update);
    expect(s.text()).toEqual(["prompt", "header 2", "row a", "row B!", "help", ""]);
    expect(frameUpdate(two, two)).toBe("");
  });

  it("shrinks and grows the block, scrolling when it reaches the bottom", () => {
    const s = new Screen(4, 20);
    s.write("$ mtl run\r\n");
    s.write(frameUpdate(null, ["x", "y"]));
    s.write(frameUpdate(["x", "y"], ["x"]));
    expect(s.text()).toEqual(["$ mtl run", "x", "", ""]);
    expect(s.r).toBe(2);
    // Three lines and the cursor's line need one more row than there is: the prompt scrolls off.
    s.write(frameUpdate(["x"], ["x", "y", "z"]));
    expect(s.text()).toEqual(["x", "y", "z", ""]);
    s.write(frameUpdate(["x", "y", "z"], []));
    expect(s.text()).toEqual(["", "", "", ""]);
    expect([s.r, s.c]).toEqual([0, 0]);
  });

  it("keeps a full-width line whole (clears before writing, never after)", () => {
    const s = new Screen(3, 4);
    s.write(frameUpdate(null, ["abcd", "e"]));
    s.write(frameUpdate(["abcd", "e"], ["wxyz", "e"]));
    expect(s.text().slice(0, 2)).toEqual(["wxyz", "e"]);
  });
});
