import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "@mtl/spec";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import * as schema from "./schema.ts";

export type Db = BetterSQLite3Database<typeof schema>;

/** The migrations drizzle-kit generated from schema.ts, shipped with the package. */
export const MIGRATIONS_FOLDER = join(dirname(fileURLToPath(import.meta.url)), "..", "drizzle");

export interface OpenOptions {
  /** Open without writing (the dashboard and reports); skips migrations. @default false */
  readonly?: boolean;
  /** @default MIGRATIONS_FOLDER */
  migrationsFolder?: string;
  /**
   * Read-only opens only: skip the whole-file check at open; the caller runs it soon after with
   * `Store.checkFile` (the dashboard, once its first frame is out: on a large file the check
   * reads every page, most of a cold start). Ignored for a writer, which checks before writing.
   * @default false
   */
  checkLater?: boolean;
}

/**
 * A results file that cannot be used as it is: damaged, not a database, or written by a newer
 * MTL Lab. It is the user's file, so the CLI reports it as bad input (exit 2), naming the file.
 */
export class ResultsFileError extends InputError {
  constructor(
    readonly path: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`results database ${path} ${problem}`, [], options);
    this.name = "ResultsFileError";
  }
}

/**
 * Opens (creating if needed) a SQLite results file in WAL mode and brings its schema up to date.
 * WAL lets the dashboard read while the coordinator writes; `synchronous = NORMAL` is durable
 * across process crashes in WAL mode, which is the failure this store must survive.
 *
 * Before anything is written the file is checked: `PRAGMA quick_check` (a damaged file is never
 * written to) and its schema version (a file from a newer MTL Lab is refused rather than
 * misread). Read-only opens work in folders this process cannot write to.
 */
export function openDatabase(path: string, options: OpenOptions = {}): { sqlite: Database.Database; db: Db } {
  const readonly = options.readonly ?? false;
  const migrationsFolder = options.migrationsFolder ?? MIGRATIONS_FOLDER;
  if (!readonly && path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = readonly ? openReadonly(path) : openFile(path, false);
  try {
    if (!(readonly && options.checkLater)) checkIntegrity(sqlite, path);
    checkSchemaVersion(sqlite, path, migrationsFolder);
    sqlite.pragma("busy_timeout = 5000");
    if (!readonly) {
      sqlite.pragma("journal_mode = WAL");
      sqlite.pragma("synchronous = NORMAL");
      sqlite.pragma("foreign_keys = ON");
    }
    if (readonly && schemaBehind(sqlite, migrationsFolder)) {
      // Written by an older MTL Lab: a reader may not migrate the file, so it reads a private
      // copy brought up to date (the file itself is left as it was).
      sqlite.close();
      const copy = privateCopy(path, false);
      const cdb = drizzle(copy, { schema });
      migrate(cdb, { migrationsFolder });
      return { sqlite: copy, db: cdb };
    }
    const db = drizzle(sqlite, { schema });
    if (!readonly) migrate(db, { migrationsFolder });
    return { sqlite, db };
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

const codeOf = (error: unknown) => (error as { code?: string }).code ?? "";

function openFile(path: string, readonly: boolean): Database.Database {
  try {
    return new Database(path, { readonly, fileMustExist: readonly });
  } catch (error) {
    if (codeOf(error) === "SQLITE_NOTADB") throw new ResultsFileError(path, "is not a SQLite database");
    throw error;
  }
}

/**
 * A WAL database opened read-only needs its `-shm` file: where it is missing and the folder is
 * not writable (a results file on a read-only share), SQLite refuses to read at all. Then a
 * private copy is read instead (the folder cannot be written, so no writer is changing it).
 */
function openReadonly(path: string): Database.Database {
  const sqlite = openFile(path, true);
  try {
    sqlite.pragma("schema_version"); // the first read: where a missing -shm surfaces
    return sqlite;
  } catch (error) {
    sqlite.close();
    const code = codeOf(error);
    if (code !== "SQLITE_READONLY_DIRECTORY" && code !== "SQLITE_CANTOPEN") throw mapped(path, error);
  }
  return privateCopy(path, true);
}

/** A copy of the file (and its WAL) in a private folder, removed when it is closed. */
function privateCopy(path: string, readonly: boolean): Database.Database {
  const dir = mkdtempSync(join(tmpdir(), "mtl-readonly-"));
  const copy = join(dir, basename(path));
  try {
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const snapshot = openFile(copy, readonly);
  const close = snapshot.close.bind(snapshot);
  snapshot.close = () => {
    const closed = close();
    rmSync(dir, { recursive: true, force: true });
    return closed;
  };
  return snapshot;
}

/** Whether the file's schema is older than this build's (fewer migrations applied). */
function schemaBehind(sqlite: Database.Database, folder: string): boolean {
  const table = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!table) return false;
  const applied = sqlite.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number };
  return applied.n < knownMigrations(folder);
}

function mapped(path: string, error: unknown): Error {
  const code = codeOf(error);
  if (code === "SQLITE_NOTADB")
    return new ResultsFileError(path, "is not a SQLite database", { cause: error });
  if (code.startsWith("SQLITE_CORRUPT"))
    return new ResultsFileError(path, damaged((error as Error).message), { cause: error });
  return error as Error;
}

const damaged = (what: string) =>
  `is damaged (PRAGMA quick_check: ${what}); nothing was written to it: restore it from a copy`;

/** `PRAGMA quick_check`: structure and page checks, without the index cross-checks of integrity_check. */
export function checkIntegrity(sqlite: Database.Database, path: string): void {
  let rows: string[];
  try {
    const result = sqlite.pragma("quick_check") as { quick_check: string }[];
    rows = result.map((r) => r.quick_check);
  } catch (error) {
    throw mapped(path, error);
  }
  if (rows.length === 1 && rows[0] === "ok") return;
  const shown = rows.slice(0, 3).join("; ");
  throw new ResultsFileError(
    path,
    damaged(`${shown}${rows.length > 3 ? `; and ${rows.length - 3} more` : ""}`),
  );
}

/** The schema versions this build knows: drizzle's journal of migrations. */
function knownMigrations(folder: string): number {
  const journal = JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

/**
 * A file migrated further than this build's migrations was written by a newer MTL Lab: its
 * tables may hold what this code would misread or, worse, overwrite.
 */
function checkSchemaVersion(sqlite: Database.Database, path: string, folder: string): void {
  const table = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!table) return;
  const applied = sqlite.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number };
  const known = knownMigrations(folder);
  if (applied.n > known)
    throw new ResultsFileError(
      path,
      `was written by a newer MTL Lab (schema ${applied.n} > ${known}); use that version to open it`,
    );
}
