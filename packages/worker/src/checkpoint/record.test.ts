import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord, RecordError } from "./record.ts";

const report = (epoch: number, value: number) => ({
  epoch,
  metrics: [{ task: "a", split: "val" as const, name: "loss", value }],
  weights: { a: 1 },
  wallMs: 3,
});

describe("checkpoint record", () => {
  it("round-trips its epoch, reports (non-finite values too) and parts", () => {
    const bytes = encodeRecord({
      epoch: 2,
      reports: [report(1, 0.5), report(2, Number.NaN)],
      parts: [
        { name: "trainer", bytes: new Uint8Array([1, 2, 3]) },
        { name: "sub/x.pt", bytes: new Uint8Array([]) },
      ],
    });
    const r = decodeRecord(bytes);
    expect(r.epoch).toBe(2);
    expect(r.reports[0]!.metrics[0]!.value).toBe(0.5);
    expect(r.reports[1]!.metrics[0]!.value).toBeNaN();
    expect(r.parts.map((p) => [p.name, [...p.bytes]])).toEqual([
      ["trainer", [1, 2, 3]],
      ["sub/x.pt", []],
    ]);
  });

  it("refuses a corrupted record, another format, and reports out of order or past its epoch", () => {
    const bytes = encodeRecord({
      epoch: 1,
      reports: [report(1, 1)],
      parts: [{ name: "trainer", bytes: new Uint8Array(8) }],
    });
    const flipped = bytes.slice();
    flipped[flipped.length - 40]! ^= 1;
    expect(() => decodeRecord(flipped)).toThrow(/checksum mismatch/);
    expect(() => decodeRecord(bytes.slice(0, 20))).toThrow(RecordError);
    expect(() =>
      decodeRecord(new TextEncoder().encode("MTLCKPT\n and then some more bytes, enough of them")),
    ).toThrow(/not a worker checkpoint/);
    const late = encodeRecord({ epoch: 2, reports: [report(3, 1)], parts: [] });
    expect(() => decodeRecord(late)).toThrow(/reports are not increasing epochs up to 2/);
    const twice = encodeRecord({ epoch: 2, reports: [report(2, 1), report(2, 1)], parts: [] });
    expect(() => decodeRecord(twice)).toThrow(/not increasing/);
    expect(decodeRecord(encodeRecord({ epoch: 4, reports: [report(2, 1)], parts: [] })).epoch).toBe(4);
  });
});

it("a record read from a Node Buffer (the object store's blobs) gives parts of their own", () => {
  const part = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const bytes = encodeRecord({ epoch: 1, reports: [], parts: [{ name: "p", bytes: part }] });
  // A Buffer at an odd offset of a larger pool, as Buffer.concat and sockets give them.
  const pool = Buffer.alloc(bytes.length + 3);
  pool.set(bytes, 3);
  const [read] = decodeRecord(pool.subarray(3)).parts;
  expect(Buffer.isBuffer(read!.bytes)).toBe(false);
  expect(read!.bytes.byteOffset).toBe(0);
  expect(read!.bytes.buffer.byteLength).toBe(part.length);
  expect([...read!.bytes]).toEqual([...part]);
});
