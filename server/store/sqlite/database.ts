import "server-only";
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { StoreError } from "../errors";

/** Every table keeps its record as one JSON `doc` column beside its index columns. */
export type Row = { doc: string };

export function parse<T>(row: Row | undefined): T | undefined {
  return row ? (JSON.parse(row.doc) as T) : undefined;
}

export const parseAll = <T>(rows: unknown[]): T[] => (rows as Row[]).map((r) => JSON.parse(r.doc) as T);

export function isBusy(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED";
}

/** Runs fn; a busy database surfaces as StoreError `busy` (the caller retries after the hint). */
export function unlessBusy<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isBusy(e)) throw new StoreError("busy", "the database is busy", { retryAfterMs: 50 });
    throw e;
  }
}

/** Opens the file (creating its directory) in WAL with synchronous=NORMAL; `busyTimeoutMs`: how long a writer waits. */
export function openDatabase(file: string, busyTimeoutMs: number): Database.Database {
  if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  // The default 2 MB page cache is far below a 100,000-job working set: every claim would go
  // back to the OS for index pages. 64 MB of cache plus memory-mapped reads keep the claim path hot.
  db.pragma("cache_size = -65536");
  db.pragma("mmap_size = 268435456");
  db.pragma("temp_store = MEMORY");
  db.pragma("foreign_keys = OFF");
  return db;
}
