import { describe, expect, it } from "vitest";
import { decode, encodeMessage, InvalidMessage, TrialEvent } from "./messages.ts";
import { InvalidNamespace, topologyOf } from "./namespace.ts";

const ids = { sweep: "9b2f6a52-2f1e-4c1e-9d59-5d0b3e1f0a11", trialId: 3, runId: "r", worker: "w" };

describe("wire form of events", () => {
  it("carries NaN and ±Infinity through JSON as strings that decode back to numbers", () => {
    const event: TrialEvent = {
      ...ids,
      kind: "completed",
      backend: "wasm",
      epochs: 2,
      final: {
        a: { val: { mse: Number.POSITIVE_INFINITY, loss: Number.NaN, mae: Number.NEGATIVE_INFINITY } },
      },
    };
    const json = JSON.stringify(encodeMessage(TrialEvent, event));
    expect(json).toContain('"mse":"Infinity"');
    expect(json).toContain('"loss":"NaN"');
    const back = decode(TrialEvent, json);
    expect(back).toEqual({ ok: true, value: event });
  });

  it("refuses what no schema allows, naming the field, and what does not say what it is", () => {
    const bad = {
      ...ids,
      kind: "epoch",
      reports: [{ epoch: 1, metrics: [], weights: {}, wallMs: Number.NaN }],
    };
    expect(() => encodeMessage(TrialEvent, bad as TrialEvent, "epoch event")).toThrow(InvalidMessage);
    expect(() => encodeMessage(TrialEvent, bad as TrialEvent, "epoch event")).toThrow(/reports\.0\.wallMs/);
    // A metric as some other string is not a number on the wire.
    const json = JSON.stringify({
      ...ids,
      kind: "epoch",
      reports: [
        {
          epoch: 1,
          metrics: [{ task: "a", split: "val", name: "mse", value: "nan" }],
          weights: {},
          wallMs: 1,
        },
      ],
    });
    expect(decode(TrialEvent, json)).toMatchObject({ ok: false, error: expect.stringMatching(/value/) });
  });

  it("needs the sweep's identity on every event", () => {
    const { sweep: _s, ...anonymous } = ids;
    expect(decode(TrialEvent, JSON.stringify({ ...anonymous, kind: "started", backend: "x" }))).toMatchObject(
      {
        ok: false,
        error: expect.stringMatching(/sweep/),
      },
    );
  });
});

describe("namespaces", () => {
  it("prefix every stream, subject, consumer's stream and bucket; the default keeps the old names", () => {
    const mtl = topologyOf();
    expect(mtl.streams).toEqual({ trials: "MTL_TRIALS", events: "MTL_EVENTS" });
    expect(mtl.subjects.trials({ pool: "cpu" })).toBe("mtl.trials.cpu");
    // A program's trials wait in a queue of their own: one subject token, one consumer.
    expect(mtl.subjects.trials({ pool: "gpu", program: "torch_mtl" })).toBe(
      "mtl.trials.gpu-program-torch_mtl",
    );
    expect(mtl.consumers.trials({ pool: "gpu", program: "torch_mtl" })).toBe("trials-gpu-program-torch_mtl");
    const alice = topologyOf("alice-2");
    expect(alice.streams).toEqual({ trials: "ALICE-2_TRIALS", events: "ALICE-2_EVENTS" });
    expect([alice.subjects.control, alice.subjects.dash, alice.buckets.lock]).toEqual([
      "alice-2.control",
      "alice-2.dash",
      "ALICE-2_coordinator",
    ]);
    // Distinct namespaces never share a name.
    expect(topologyOf("alice_2").streams.trials).not.toBe(alice.streams.trials);
  });

  it("refuses a namespace NATS cannot use in every name", () => {
    for (const bad of ["", "Alice", "a.b", "a b", "a>", "-a", "x".repeat(33)])
      expect(() => topologyOf(bad)).toThrow(InvalidNamespace);
  });
});
