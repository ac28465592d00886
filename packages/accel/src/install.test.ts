/** install(): the self-test of tfjs-backend-wasm's private fields, the fallback, MTL_ACCEL=off. */
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { bindHeap } from "./heap.ts";
import { install, whyNoAccel } from "./index.ts";

await tf.setBackend("wasm");

/** A backend object with every private field the binding reads, each of which a test can break. */
function fakeBackend(over: Record<string, unknown> = {}) {
  const memory = new (
    globalThis as unknown as {
      WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } };
    }
  ).WebAssembly.Memory({ initial: 1 });
  const offsets = new Map<object, number>();
  let next = 64;
  return {
    wasm: { asm: { memory } },
    dataIdMap: {
      get: (id: object) => ({ memoryOffset: offsets.get(id) ?? 0 }),
      has: (id: object) => offsets.has(id),
    },
    makeOutput(shape: number[]) {
      const dataId = {};
      offsets.set(dataId, next);
      next += 4 * shape.reduce((a, b) => a * b, 1);
      return { dataId, shape, dtype: "float32" };
    },
    typedArrayFromHeap(t: { dataId: object; shape: number[] }) {
      return new Float32Array(
        memory.buffer,
        offsets.get(t.dataId),
        t.shape.reduce((a, b) => a * b, 1),
      );
    },
    disposeData: () => true,
    refCount: () => 1,
    ...over,
  };
}

afterEach(() => vi.restoreAllMocks());

describe("bindHeap's self-test", () => {
  it("binds a backend whose fields behave as tfjs-backend-wasm 4.x's (the fake and the real one)", () => {
    expect("problem" in bindHeap(fakeBackend())).toBe(false);
    expect("problem" in bindHeap(tf.findBackend("wasm"))).toBe(false);
  });

  it("names the private field that is missing", () => {
    const problem = (b: unknown) => (bindHeap(b) as { problem?: string }).problem;
    expect(problem({})).toMatch(/wasm\.asm\.memory/);
    expect(problem(fakeBackend({ dataIdMap: undefined }))).toMatch(/dataIdMap/);
    expect(problem(fakeBackend({ makeOutput: undefined }))).toMatch(/makeOutput\(\)/);
    expect(problem(fakeBackend({ refCount: undefined }))).toMatch(/refCount\(\)/);
  });

  it("notices a field that exists but means something else (offsets that do not address the data)", () => {
    const b = fakeBackend();
    const problem = (
      bindHeap({ ...b, dataIdMap: { get: () => ({ memoryOffset: 0 }), has: () => true } }) as {
        problem?: string;
      }
    ).problem;
    expect(problem).toMatch(/memoryOffset does not address/);
  });
});

describe("install", () => {
  it("falls back cleanly: null, and the reason said once however often it is asked", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const broken = fakeBackend({ typedArrayFromHeap: undefined });
    expect(install({ backend: broken })).toBeNull();
    expect(install({ backend: broken })).toBeNull();
    expect(whyNoAccel()).toMatch(/typedArrayFromHeap/);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/typedArrayFromHeap.*tfjs's own kernels/);
  });

  it("MTL_ACCEL=off forces the reference path", () => {
    for (const value of ["off", "0", "false", "OFF"]) {
      expect(install({ env: { MTL_ACCEL: value } })).toBeNull();
      expect(whyNoAccel()).toBe("MTL_ACCEL=off");
    }
  });

  it("installs on the wasm backend: one active flag, false on another backend or when disabled", async () => {
    const accel = install({ env: {} });
    expect(accel).not.toBeNull();
    expect(install({ env: {} })).toBe(accel); // idempotent
    expect(whyNoAccel()).toBeUndefined();
    expect(accel?.active).toBe(true);
    accel?.disable();
    expect(accel?.active).toBe(false);
    accel?.enable();
    await import("@tensorflow/tfjs-backend-cpu");
    await tf.setBackend("cpu");
    expect(accel?.active).toBe(false);
    await tf.setBackend("wasm");
    expect(accel?.active).toBe(true);
  });
});
