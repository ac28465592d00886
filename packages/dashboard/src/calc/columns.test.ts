import { describe, expect, it } from "vitest";
import { fitColumns, scrollStart } from "./columns.ts";

describe("fitColumns", () => {
  const cols = [
    { key: "a", width: 4, priority: 9 },
    { key: "b", width: 10, priority: 1, flex: true },
    { key: "c", width: 6, priority: 5 },
  ];

  it("keeps every column and grows the flex one when there is room", () => {
    expect(fitColumns(cols, 40).map((c) => [c.key, c.width])).toEqual([
      ["a", 4],
      ["b", 28],
      ["c", 6],
    ]);
  });

  it("drops the least important columns first, keeping the order", () => {
    expect(fitColumns(cols, 12).map((c) => c.key)).toEqual(["a", "c"]);
    expect(fitColumns(cols, 3).map((c) => c.key)).toEqual(["a"]);
  });
});

describe("scrollStart", () => {
  it("keeps the cursor in view", () => {
    expect(scrollStart(5, 4, 10)).toBe(0);
    expect(scrollStart(100, 0, 10)).toBe(0);
    expect(scrollStart(100, 50, 10)).toBe(45);
    expect(scrollStart(100, 99, 10)).toBe(90);
  });
});
