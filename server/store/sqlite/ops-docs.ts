import "server-only";
import type Database from "better-sqlite3";
import type { AlertStateRecord, DeliveryRecord } from "../ops-records";

/**
 * The operations documents (alert episodes, the alert outbox) on SQLite: one table keyed by
 * (kind, id), each row a JSON document with its version beside it. Every write is one statement
 * guarded by the version (or by the primary key for a create), so it needs no transaction of its
 * own and two instances never both win (a batch of deliveries is one transaction).
 */
export const OPS_DOCS_MIGRATION = `
CREATE TABLE ops_docs (kind TEXT NOT NULL, id TEXT NOT NULL, due INTEGER, created_at INTEGER NOT NULL,
  version INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;
CREATE INDEX ops_docs_due ON ops_docs(kind, due) WHERE due IS NOT NULL;
CREATE INDEX ops_docs_newest ON ops_docs(kind, created_at);
`;

type Row = { doc: string };

export class SqliteOpsDocs {
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly write: <T>(fn: () => T) => T,
  ) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      all: p("SELECT doc FROM ops_docs WHERE kind = ? ORDER BY id"),
      insert: p("INSERT OR IGNORE INTO ops_docs (kind, id, due, created_at, version, doc) VALUES (?, ?, ?, ?, ?, ?)"),
      replace: p("UPDATE ops_docs SET due = ?, version = ?, doc = ? WHERE kind = ? AND id = ? AND version = ?"),
      remove: p("DELETE FROM ops_docs WHERE kind = ? AND id = ? AND version = ?"),
      due: p("SELECT doc FROM ops_docs WHERE kind = 'delivery' AND due IS NOT NULL AND due <= ? ORDER BY due LIMIT ?"),
      newest: p("SELECT doc FROM ops_docs WHERE kind = 'delivery' ORDER BY created_at DESC, id DESC LIMIT ?"),
    };
  }

  listAlertStates(): AlertStateRecord[] {
    return (this.s.all.all("alert") as Row[]).map((r) => JSON.parse(r.doc) as AlertStateRecord);
  }

  saveAlertState(state: AlertStateRecord, expectedVersion: number | null): boolean {
    return this.save("alert", state, state.openedAt, null, expectedVersion);
  }

  deleteAlertState(id: string, expectedVersion: number): boolean {
    return this.s.remove.run("alert", id, expectedVersion).changes === 1;
  }

  /** In one BEGIN IMMEDIATE: a batch is enqueued whole or not at all. */
  enqueueDeliveries(deliveries: DeliveryRecord[]): void {
    this.write(() => {
      for (const d of deliveries) this.save("delivery", d, d.createdAt, d.nextAttemptAt ?? null, null);
    });
  }

  listDeliveries(q: { dueBy?: number; limit: number }): DeliveryRecord[] {
    const rows = (q.dueBy !== undefined ? this.s.due.all(q.dueBy, q.limit) : this.s.newest.all(q.limit)) as Row[];
    return rows.map((r) => JSON.parse(r.doc) as DeliveryRecord);
  }

  saveDelivery(d: DeliveryRecord, expectedVersion: number): boolean {
    return this.save("delivery", d, d.createdAt, d.nextAttemptAt ?? null, expectedVersion);
  }

  private save(kind: string, rec: { id: string; version: number }, createdAt: number, due: number | null, expected: number | null): boolean {
    if (expected === null) {
      const doc = JSON.stringify({ ...rec, version: 1 });
      return this.s.insert.run(kind, rec.id, due, createdAt, 1, doc).changes === 1;
    }
    const doc = JSON.stringify({ ...rec, version: expected + 1 });
    return this.s.replace.run(due, expected + 1, doc, kind, rec.id, expected).changes === 1;
  }
}
