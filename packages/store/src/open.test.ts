/**
 * The results file is checked before anything is written: a damaged file, a file that is no
 * database and one from a newer MTL Lab are refused with an error naming the file, and the
 * file's bytes are left as they were.
 */
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExperimentSpec } from "@mtl/spec";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ResultsFileError } from "./open.ts";
import { Store } from "./store.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mtl-open-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const experiment = ExperimentSpec.parse({
  name: "open",
  dataset: { name: "classification" },
  tasks: [{ name: "a", kind: "classification", metric: "accuracy" }],
});

/** A results file of several pages, closed cleanly (its WAL checkpointed into the file). */
function resultsFile(): string {
  const path = join(dir, "r.db");
  const store = new Store(path);
  const { sweep } = store.ensureSweep(experiment);
  for (let i = 0; i < 50; i++) store.event(sweep.id, null, "note", "x".repeat(500));
  store.close();
  return path;
}

function openError(path: string, readonly = false): unknown {
  try {
    new Store(path, { readonly }).close();
  } catch (error) {
    return error;
  }
  throw new Error(`${path} opened without error`);
}

describe("opening a results file", () => {
  it("refuses a file with damaged pages and leaves it untouched", () => {
    const path = resultsFile();
    const pages = statSync(path).size / 4096;
    expect(pages).toBeGreaterThan(10);
    // Every b-tree page after the schema's gets an invalid page type.
    const fd = openSync(path, "r+");
    for (let p = 2; p < pages; p++) writeSync(fd, Buffer.from([0x07, 0xff, 0xff, 0xff]), 0, 4, 4096 * p);
    closeSync(fd);
    const before = readFileSync(path);
    for (const readonly of [false, true]) {
      const error = openError(path, readonly);
      expect(error).toBeInstanceOf(ResultsFileError);
      expect((error as Error).message).toContain(`results database ${path} is damaged (PRAGMA quick_check`);
    }
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("refuses a file that is not a database", () => {
    const path = join(dir, "notes.db");
    writeFileSync(path, "these are my notes, not a database\n".repeat(200));
    const before = readFileSync(path);
    const error = openError(path);
    expect(error).toBeInstanceOf(ResultsFileError);
    expect((error as Error).message).toBe(`results database ${path} is not a SQLite database`);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("refuses a file written by a newer schema, read-only too", () => {
    const path = resultsFile();
    const raw = new Database(path);
    const known = (raw.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }).n;
    raw
      .prepare("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future', ?)")
      .run(Date.now() * 2);
    raw.close();
    const before = readFileSync(path);
    for (const readonly of [false, true]) {
      const error = openError(path, readonly);
      expect(error).toBeInstanceOf(ResultsFileError);
      expect((error as Error).message).toBe(
        `results database ${path} was written by a newer MTL Lab (schema ${known + 1} > ${known}); use that version to open it`,
      );
    }
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("opens a sound file, read-only and for writing", () => {
    const path = resultsFile();
    const reader = new Store(path, { readonly: true });
    expect(reader.listSweeps().map((s) => s.name)).toEqual(["open"]);
    reader.close();
    const writer = new Store(path);
    expect(writer.listSweeps()).toHaveLength(1);
    writer.close();
  });
});

describe("a results file from an older MTL Lab", () => {
  it("is read (compare, trials, dash open it read-only) from a migrated private copy; the file is left as it was", () => {
    const path = join(dir, "old.db");
    const store = new Store(path);
    const { sweep } = store.ensureSweep(experiment);
    store.close();
    // Made older: the last migration undone.
    const raw = new Database(path);
    raw.exec("DROP INDEX trials_timeline");
    raw.exec(
      "DELETE FROM __drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)",
    );
    raw.pragma("wal_checkpoint(TRUNCATE)");
    raw.close();
    const before = readFileSync(path);
    const reader = new Store(path, { readonly: true });
    expect(reader.getSweep(sweep.id)?.name).toBe(experiment.name);
    expect(reader.trialsOf(sweep.id)).toEqual([]);
    reader.close();
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});
