import { describe, expect, it } from "vitest";
import { fit, fmtDuration, fmtNum, fmtParams, fmtPct, fmtWeights, shortDevice } from "./format.ts";

describe("format", () => {
  it("formats numbers, percentages and durations compactly", () => {
    expect(fmtNum(0.912345)).toBe("0.9123");
    expect(fmtNum(null)).toBe("—");
    expect(fmtNum(12345.6)).toBe("12346");
    expect(fmtPct(3.21)).toBe("+3.2%");
    expect(fmtPct(-0.04)).toBe("0.0%"); // never "-0.0%"
    expect(fmtDuration(59_400)).toBe("59s");
    expect(fmtDuration(185_000)).toBe("3m05s");
    expect(fmtDuration(7_800_000)).toBe("2h10m");
  });

  it("shows weights in task order with absent ones as 1", () => {
    expect(fmtWeights({ b: 0.5 }, ["a", "b"])).toBe("1/0.5");
    expect(fmtWeights(null, ["a"])).toBe("—");
  });

  it("abbreviates well-known parameters", () => {
    expect(fmtParams({ learningRate: 0.003, hidden: 64, optimizer: "adam" })).toBe(
      "lr=0.003 hidden=64 optimizer=adam",
    );
  });

  it("fits text to a width with an ellipsis", () => {
    expect(fit("abcdef", 4)).toBe("abc…");
    expect(fit("ab", 4, true)).toBe("ab  ");
    expect(fit("ab", 4, true, "right")).toBe("  ab");
  });
});

describe("shortDevice", () => {
  it("keeps a worker's devices short for its column", () => {
    expect(shortDevice("cpu: 16 core(s) · AMD EPYC 9654")).toBe("16 cpu");
    expect(shortDevice("gpu:0 NVIDIA H200")).toBe("gpu:0 H200");
    expect(shortDevice("gpu: none found (nvidia-smi)")).toBe("no gpu");
    expect(shortDevice("tpu")).toBe("tpu");
  });
});
