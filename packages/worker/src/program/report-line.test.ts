import { describe, expect, it } from "vitest";
import { parseReportLine } from "./report-line.ts";

describe("parseReportLine", () => {
  it("leaves ordinary log lines alone", () => {
    expect(parseReportLine("epoch 3: loss 0.2")).toBeUndefined();
    expect(parseReportLine(" @mtl {}")).toBeUndefined();
  });

  it("reads epochs, finals and checkpoints, with Python's NaN and Infinity tokens", () => {
    expect(
      parseReportLine(
        '@mtl {"epoch": 2, "metrics": {"a": {"val": {"mse": NaN, "mae": Infinity, "x": -Infinity}}}}',
      ),
    ).toEqual({
      epoch: 2,
      metrics: {
        a: { val: { mse: Number.NaN, mae: Number.POSITIVE_INFINITY, x: Number.NEGATIVE_INFINITY } },
      },
    });
    expect(parseReportLine('@mtl {"final": {"a": {"test": {"accuracy": 0.5}}}}')).toEqual({
      final: { a: { test: { accuracy: 0.5 } } },
    });
    expect(parseReportLine('@mtl {"checkpoint": true}')).toEqual({ checkpoint: true });
  });

  it("names what is wrong with a malformed report", () => {
    expect(parseReportLine("@mtl {epoch: 1")).toMatchObject({ error: expect.stringMatching(/not JSON/) });
    expect(parseReportLine('@mtl {"epoch": -1, "metrics": {}}')).toMatchObject({
      error: expect.stringMatching(/epoch/),
    });
    // A split MTL Lab does not know would be dropped silently: it is named instead.
    expect(parseReportLine('@mtl {"epoch": 1, "metrics": {"a": {"validation": {"acc": 1}}}}')).toMatchObject({
      error: expect.stringMatching(/metrics\.a: Unrecognized key: "validation"/),
    });
    expect(parseReportLine('@mtl {"epoch": 1, "metrics": {"a": {"val": {"acc": "high"}}}}')).toMatchObject({
      error: expect.stringMatching(/a\.val\.acc/),
    });
  });
});
