/**
 * The csv dataset: columns chosen explicitly or visibly (no label leaks into the features),
 * a fixed split column, and files read only inside the data folders, never quoted in errors.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng, TrialConfig } from "@mtl/spec";
import { describe, expect, it } from "vitest";
import { runTrial } from "../train.ts";
import { readDataFile } from "./files.ts";
import { datasets } from "./registry.ts";
import type { Dataset } from "./types.ts";

const root = mkdtempSync(join(tmpdir(), "mtl-csv-"));
const data = join(root, "data");
const outside = join(root, "outside");
mkdirSync(data);
mkdirSync(outside);

const load = async (options: unknown, dataDirs: string[] = [data], signal?: AbortSignal) => {
  const { item, options: o } = datasets.resolve("csv", options);
  return (await item.load(o, { seed: 0, dataDirs, ...(signal ? { signal } : {}) })) as Dataset;
};

/** A digits-like table: four noisy features of a digit label, `ge5` derived from it. */
function digitsCsv(n = 300, extra: (i: number) => string[] = () => []): string {
  const rng = new Rng(3);
  const lines = ["f1,f2,f3,f4,digit,ge5"];
  for (let i = 0; i < n; i++) {
    const d = rng.int(10);
    const f = [0, 1, 2, 3].map((k) => (d * (k + 1) + rng.normal()).toFixed(3));
    lines.push([...f, d, d >= 5 ? 1 : 0, ...extra(i)].join(","));
  }
  return `${lines.join("\n")}\n`;
}

writeFileSync(join(data, "digits.csv"), digitsCsv());
writeFileSync(join(outside, "secret.csv"), "root:x:0:0:root:/root:/bin/bash\nhunter2\n");
writeFileSync(join(data, "passwd.csv"), "root:x:0:0:root:/root:/bin/bash,y\ndaemon:x:1:1,2\n");

describe("csv columns", () => {
  it("loads explicit features and one output per target", async () => {
    const d = await load({ path: "digits.csv", features: ["f1", "f2"], targets: { ge5: "classification" } });
    expect(d.inputShape).toEqual([2]);
    expect(d.targets.ge5).toMatchObject({ kind: "classification", classes: 2 });
  });

  it("refuses a default feature set that would leak a label column, naming it", async () => {
    await expect(load({ path: "digits.csv", targets: { ge5: "classification" } })).rejects.toThrow(
      /default features include column "digit", which looks like a label.*"exclude".*"features"/,
    );
    // Excluded, or listed on purpose, it is accepted.
    expect(
      (await load({ path: "digits.csv", targets: { ge5: "classification" }, exclude: ["digit"] })).inputShape,
    ).toEqual([4]);
    const listed = await load({
      path: "digits.csv",
      targets: { ge5: "classification" },
      features: ["f1", "f2", "f3", "f4", "digit"],
    });
    expect(listed.inputShape).toEqual([5]);
  });

  it("takes a fixed split from a column of train/val/test", async () => {
    writeFileSync(
      join(data, "fold.csv"),
      digitsCsv(60, (i) => [i < 40 ? "train" : i < 50 ? "val" : "test"]).replace("ge5\n", "ge5,fold\n"),
    );
    const { item, options } = datasets.resolve("csv", {
      path: "fold.csv",
      targets: { ge5: "classification" },
      exclude: ["digit"],
      split: { column: "fold" },
    });
    const d = (await item.load(options, { seed: 0, dataDirs: [data] })) as Dataset;
    expect([...(d.assignment ?? [])].filter((a) => a === 0)).toHaveLength(40);
    writeFileSync(join(data, "badfold.csv"), "x,y,fold\n1,2,train\n3,4,holdout\n");
    await expect(
      load({ path: "badfold.csv", targets: { y: "regression" }, split: { column: "fold" } }),
    ).rejects.toThrow(/row 3, column "fold": expected train, val or test/);
  });
});

describe("csv files", () => {
  it("reads only inside the data folders: relative paths in order, absolute ones inside", async () => {
    const second = mkdtempSync(join(root, "second-"));
    writeFileSync(join(second, "only-here.csv"), "x,y\n1,2\n3,4\n");
    expect((await load({ path: "only-here.csv", targets: { y: "regression" } }, [data, second])).n).toBe(2);
    expect(
      (await load({ path: join(second, "only-here.csv"), targets: { y: "regression" } }, [second])).n,
    ).toBe(2);
    await expect(load({ path: "digits.csv", targets: { ge5: "classification" } }, [])).rejects.toThrow(
      /no data folder is allowed/,
    );
    await expect(load({ path: join(outside, "secret.csv"), targets: { y: "regression" } })).rejects.toThrow(
      /lies outside the data folders/,
    );
    await expect(load({ path: "../outside/secret.csv", targets: { y: "regression" } })).rejects.toThrow(
      /leads outside the data folders/,
    );
  });

  it("refuses a symlink that leads outside", async () => {
    symlinkSync(join(outside, "secret.csv"), join(data, "link.csv"));
    await expect(load({ path: "link.csv", targets: { y: "regression" } })).rejects.toThrow(
      /lies outside the data folders/,
    );
  });

  it("refuses what is not a regular file without blocking on it (a FIFO, a folder)", async () => {
    execFileSync("mkfifo", [join(data, "pipe.csv")]);
    await expect(load({ path: "pipe.csv", targets: { y: "regression" } })).rejects.toThrow(
      /not a regular file/,
    );
    mkdirSync(join(data, "folder.csv"));
    await expect(load({ path: "folder.csv", targets: { y: "regression" } })).rejects.toThrow(
      /not a regular file/,
    );
  });

  it("caps the size read, and a read can be cancelled", async () => {
    await expect(readDataFile("digits.csv", { dataDirs: [data] }, { maxBytes: 100 })).rejects.toThrow(
      /more than the 100 allowed/,
    );
    const head = await readDataFile("digits.csv", { dataDirs: [data] }, { maxBytes: 100, head: 30 });
    expect(head).toMatchObject({ complete: false });
    expect(head.text).toHaveLength(30);
    const aborted = AbortSignal.abort(new Error("stopped"));
    await expect(
      load({ path: "digits.csv", targets: { ge5: "classification" }, exclude: ["digit"] }, [data], aborted),
    ).rejects.toThrow("stopped");
  });

  it("never quotes the file in an error", async () => {
    const errors = await Promise.all([
      load({ path: "passwd.csv", targets: { y: "regression" } }).catch((e: Error) => e.message),
      load({ path: "passwd.csv", targets: { nope: "regression" } }).catch((e: Error) => e.message),
      load({ path: "passwd.csv", targets: { y: "regression" }, features: ["x"] }).catch(
        (e: Error) => e.message,
      ),
    ]);
    expect(errors[0]).toBe("csv: row 2, column 1: expected a number");
    expect(errors[1]).toMatch(/targets: no column "nope"/);
    for (const e of errors) {
      expect(e).toBeTypeOf("string");
      expect(e).not.toMatch(/root|daemon|bin\/bash|hunter2/);
    }
  });
});

describe("csv trials", { timeout: 60_000 }, () => {
  it("completes with one extreme held-out value, reporting its non-finite or huge error", async () => {
    const rng = new Rng(8);
    const lines = ["x1,x2,y,fold"];
    for (let i = 0; i < 120; i++) {
      const [a, b] = [rng.normal(), rng.normal()];
      const test = i >= 110;
      // One test sample far outside anything seen in training.
      const x1 = test && i === 119 ? "3e38" : a.toFixed(4);
      lines.push([x1, b.toFixed(4), (a - b).toFixed(4), i < 100 ? "train" : test ? "test" : "val"].join(","));
    }
    writeFileSync(join(data, "extreme.csv"), lines.join("\n"));
    const outcome = await runTrial(
      TrialConfig.parse({
        experiment: "csv",
        seed: 0,
        dataset: {
          name: "csv",
          options: { path: "extreme.csv", targets: { y: "regression" }, split: { column: "fold" } },
        },
        tasks: [{ name: "y", kind: "regression", metric: "mse" }],
        model: { hidden: [8] },
        strategy: "equal",
        training: { epochs: 3, batchSize: 16, learningRate: 0.01 },
        backend: "wasm",
      }),
      { dataDirs: [data] },
    );
    expect(outcome.status).toBe("completed");
    expect(outcome.final?.y?.val?.mse).toBeLessThan(10);
    const testMse = outcome.final?.y?.test?.mse as number;
    expect(!(testMse < 1e20)).toBe(true); // Infinity, NaN or astronomically large: reported as data
  });
});
