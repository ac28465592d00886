import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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
}

/**
 * Opens (creating if needed) a SQLite results file in WAL mode and brings its schema up to date.
 * WAL lets the dashboard read while the coordinator writes; `synchronous = NORMAL` is durable
 * across process crashes in WAL mode, which is the failure this store must survive.
 */
export function openDatabase(path: string, options: OpenOptions = {}): { sqlite: Database.Database; db: Db } {
  if (!options.readonly && path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path, {
    readonly: options.readonly ?? false,
    fileMustExist: options.readonly ?? false,
  });
  sqlite.pragma("busy_timeout = 5000");
  if (!options.readonly) {
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
  }
  const db = drizzle(sqlite, { schema });
  if (!options.readonly) migrate(db, { migrationsFolder: options.migrationsFolder ?? MIGRATIONS_FOLDER });
  return { sqlite, db };
}
