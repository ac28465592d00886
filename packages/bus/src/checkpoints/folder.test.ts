import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkpointFolderOf, FolderCheckpointStore } from "./folder.ts";
import { InvalidCheckpointKey, keptModelName, parseCheckpointName, parseKeptModelName } from "./store.ts";

const S = "0f8fad5b-d9cb-469f-a165-70867728950e";
const T = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const open = () => {
  dir = mkdtempSync(join(tmpdir(), "mtl-ckpt-"));
  return new FolderCheckpointStore(checkpointFolderOf(join(dir, "results.db")));
};

describe("FolderCheckpointStore", () => {
  it("keeps models beside checkpoints under names of their own: neither listing sees the other", async () => {
    const s = open();
    await s.put({ sweep: S, trialId: 3, attempt: 1, epoch: 2 }, new Uint8Array([1, 2]));
    await s.putModel({ sweep: S, trialId: 3, kind: "best", epoch: 2 }, new Uint8Array([5, 5, 5]));
    await s.putModel({ sweep: S, trialId: 3, kind: "final", epoch: 4 }, new Uint8Array([6]));
    await s.putModel({ sweep: T, trialId: 1, kind: "final", epoch: 1 }, new Uint8Array([7]));
    expect((await s.list()).map((e) => e.epoch)).toEqual([2]);
    expect(await s.listModels(S)).toEqual([
      { sweep: S, trialId: 3, kind: "best", epoch: 2, bytes: 3 },
      { sweep: S, trialId: 3, kind: "final", epoch: 4, bytes: 1 },
    ]);
    expect([...((await s.getModel({ sweep: S, trialId: 3, kind: "best", epoch: 2 })) ?? [])]).toEqual([
      5, 5, 5,
    ]);
    expect(await s.deleteModels([{ sweep: S, trialId: 3, kind: "best", epoch: 2 }])).toBe(1);
    expect((await s.listModels()).map((m) => `${m.sweep === S ? "S" : "T"}${m.kind}`)).toEqual([
      "Sfinal",
      "Tfinal",
    ]);
    expect(await s.list()).toHaveLength(1);
    const key = { sweep: S, trialId: 3, kind: "final" as const, epoch: 4 };
    expect(parseKeptModelName(keptModelName(key))).toEqual(key);
    expect(parseCheckpointName(keptModelName(key))).toBeUndefined();
    expect(() => keptModelName({ ...key, sweep: "../x" })).toThrow(InvalidCheckpointKey);
  });

  it("puts, gets, lists newest first (epoch, then attempt) and deletes", async () => {
    const s = open();
    await s.put({ sweep: S, trialId: 3, attempt: 1, epoch: 2 }, new Uint8Array([1, 2]));
    await s.put({ sweep: S, trialId: 3, attempt: 1, epoch: 4 }, new Uint8Array([1, 2, 3, 4]));
    await s.put({ sweep: S, trialId: 3, attempt: 2, epoch: 4 }, new Uint8Array([9]));
    await s.put({ sweep: S, trialId: 5, attempt: 1, epoch: 9 }, new Uint8Array([7]));
    await s.put({ sweep: T, trialId: 3, attempt: 1, epoch: 1 }, new Uint8Array([8]));
    expect([...((await s.get({ sweep: S, trialId: 3, attempt: 1, epoch: 4 })) ?? [])]).toEqual([1, 2, 3, 4]);
    expect(await s.get({ sweep: S, trialId: 3, attempt: 3, epoch: 4 })).toBeUndefined();
    expect((await s.list(S, 3)).map((e) => [e.attempt, e.epoch, e.bytes])).toEqual([
      [2, 4, 1],
      [1, 4, 4],
      [1, 2, 2],
    ]);
    expect((await s.list(S)).map((e) => e.trialId)).toEqual([5, 3, 3, 3]);
    expect(await s.list()).toHaveLength(5);
    expect(readdirSync(join(dir, "results.db.checkpoints"))).toEqual(expect.arrayContaining([S, T]));
    expect(
      await s.delete([
        { sweep: S, trialId: 3, attempt: 1, epoch: 2 },
        { sweep: S, trialId: 3, attempt: 7, epoch: 2 },
      ]),
    ).toBe(1);
    expect((await s.list(S, 3)).map((e) => e.epoch)).toEqual([4, 4]);
  });

  it("lists nothing before the first put, and skips files that name no checkpoint", async () => {
    const s = open();
    expect(await s.list(S, 1)).toEqual([]);
    await s.put({ sweep: S, trialId: 1, attempt: 1, epoch: 1 }, new Uint8Array([1]));
    writeFileSync(join(s.root, S, "1", "1", "notes.txt"), "x");
    writeFileSync(join(s.root, S, "1", "1", "2.ckpt.123.tmp"), "half");
    expect((await s.list(S, 1)).map((e) => e.epoch)).toEqual([1]);
  });

  it("refuses a key that could name another path", async () => {
    const s = open();
    await expect(
      s.put({ sweep: "../x", trialId: 1, attempt: 1, epoch: 1 }, new Uint8Array()),
    ).rejects.toThrow(InvalidCheckpointKey);
    await expect(s.get({ sweep: S, trialId: -1, attempt: 1, epoch: 1 })).rejects.toThrow(/trialId/);
    expect(parseCheckpointName(`${S}/1/2/3`)).toEqual({ sweep: S, trialId: 1, attempt: 2, epoch: 3 });
    expect(parseCheckpointName(`${S}/1/2`)).toBeUndefined();
  });
});
