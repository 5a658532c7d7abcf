import "server-only";
import type Database from "better-sqlite3";
import type { TrackerSyncRecord } from "../tracker-records";
import { trackerSyncDue } from "../rules/tracker-sync";

/**
 * Tracker write-back records on SQLite, in the operations table (ops_docs, kind `tracker_sync`):
 * the `due` column indexes the pending ones; every write is one statement guarded by the version
 * (or the primary key for a create), so two instances never both win.
 */
type Row = { doc: string };
const KIND = "tracker_sync";

export class SqliteTrackerSyncDocs {
  private readonly s;

  constructor(db: Database.Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      get: p(`SELECT doc FROM ops_docs WHERE kind = '${KIND}' AND id = ?`),
      insert: p(`INSERT OR IGNORE INTO ops_docs (kind, id, due, created_at, version, doc) VALUES ('${KIND}', ?, ?, ?, ?, ?)`),
      replace: p(`UPDATE ops_docs SET due = ?, version = ?, doc = ? WHERE kind = '${KIND}' AND id = ? AND version = ?`),
      due: p(`SELECT doc FROM ops_docs WHERE kind = '${KIND}' AND due IS NOT NULL AND due <= ? ORDER BY due LIMIT ?`),
      pending: p(`SELECT COUNT(*) AS n FROM ops_docs WHERE kind = '${KIND}' AND due IS NOT NULL`),
    };
  }

  get(id: string): TrackerSyncRecord | undefined {
    const row = this.s.get.get(id) as Row | undefined;
    return row ? (JSON.parse(row.doc) as TrackerSyncRecord) : undefined;
  }

  save(rec: TrackerSyncRecord, expected: number | null): boolean {
    const due = trackerSyncDue(rec);
    if (expected === null) return this.s.insert.run(rec.id, due, rec.createdAt, 1, JSON.stringify({ ...rec, version: 1 })).changes === 1;
    return this.s.replace.run(due, expected + 1, JSON.stringify({ ...rec, version: expected + 1 }), rec.id, expected).changes === 1;
  }

  listDue(dueBy: number, limit: number): TrackerSyncRecord[] {
    return (this.s.due.all(dueBy, limit) as Row[]).map((r) => JSON.parse(r.doc) as TrackerSyncRecord);
  }

  countPending(): number {
    return (this.s.pending.get() as { n: number }).n;
  }
}
