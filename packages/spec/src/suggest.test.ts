import { describe, expect, it } from "vitest";
import { closestName as closest, didYouMean } from "./suggest.ts";

describe("did you mean", () => {
  it("finds transpositions, missing letters and case slips", () => {
    expect(closest("pcgard", ["pcgrad", "mgda", "cagrad"])).toBe("pcgrad");
    expect(closest("clasification", ["classification", "csv"])).toBe("classification");
    expect(closest("learningrate", ["learningRate", "batchSize"])).toBe("learningRate");
    expect(closest("wsam", ["tensorflow", "wasm", "cpu"])).toBe("wasm");
  });

  it("suggests nothing when nothing is close", () => {
    expect(closest("transformer", ["mlp", "cnn"])).toBeUndefined();
    expect(didYouMean("zzz", ["equal", "fixed"])).toBe("");
    expect(didYouMean("equl", ["equal", "fixed"])).toBe(' — did you mean "equal"?');
  });
});
