import { describe, expect, it } from "vitest";
import { detectDevices, parseNvidiaSmi } from "./devices.ts";

describe("devices", () => {
  it("reads each GPU from nvidia-smi -L, without its UUID", () => {
    const out = "GPU 0: NVIDIA H200 (UUID: GPU-1234)\nGPU 1: NVIDIA A100-SXM4-80GB (UUID: GPU-5678)\n";
    expect(parseNvidiaSmi(out)).toEqual(["gpu:0 NVIDIA H200", "gpu:1 NVIDIA A100-SXM4-80GB"]);
    expect(parseNvidiaSmi("NVIDIA-SMI has failed")).toEqual([]);
  });

  it("a cpu worker reports its cores; a gpu worker says what it found rather than assume gpu:0", async () => {
    expect(await detectDevices("cpu")).toEqual([expect.stringMatching(/^cpu: \d+ core\(s\)/)]);
    const gpu = await detectDevices("gpu");
    expect(gpu.at(-1)).toMatch(/^cpu: /);
    expect(gpu.slice(0, -1).every((d) => /^gpu:\d+ \S|^gpu: none found/.test(d))).toBe(true);
    expect(gpu).not.toContain("gpu:0");
  });
});
