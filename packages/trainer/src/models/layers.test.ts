import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.ts";
import { constant } from "./layers.ts";

beforeAll(async () => {
  await initBackend("wasm");
});

describe("variable names", () => {
  it("are unique among live variables and come back once their owner is disposed", () => {
    const a = constant([2], 0, "layers_test_W");
    const b = constant([2], 0, "layers_test_W");
    const c = constant([2], 0, "layers_test_W");
    expect([a.name, b.name, c.name]).toEqual(["layers_test_W", "layers_test_W_2", "layers_test_W_3"]);
    b.dispose();
    const d = constant([2], 0, "layers_test_W");
    expect(d.name).toBe("layers_test_W_2");
    tf.dispose([a, c, d]);
    // A new model after the old one is gone: the same names, so name-keyed gradient and
    // optimizer maps keep their shape from trial to trial.
    expect(constant([2], 0, "layers_test_W").name).toBe("layers_test_W");
  });
});
