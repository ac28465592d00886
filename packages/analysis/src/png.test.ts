import { describe, expect, it } from "vitest";
import { decodePng, encodePng, inkStats } from "./png.ts";

describe("PNG codec", () => {
  it("round-trips pixels and measures ink", () => {
    const width = 4;
    const height = 3;
    const rgba = new Uint8Array(width * height * 4).fill(255);
    rgba.set([255, 0, 0, 255], 0); // one red pixel
    rgba.set([0, 0, 255, 255], (2 * width + 3) * 4); // one blue pixel
    const back = decodePng(encodePng({ width, height, rgba }));
    expect(back.width).toBe(4);
    expect(back.height).toBe(3);
    expect([...back.rgba]).toEqual([...rgba]);
    const s = inkStats(back);
    expect(s.inked).toBeCloseTo(2 / 12, 12);
    expect(s.colors).toBe(3);
  });

  it("rejects what is not a PNG", () => {
    expect(() => decodePng(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toThrow(/not a PNG/);
  });
});
