import "server-only";
import type Database from "better-sqlite3";
import type { EpochMs } from "../records";
import { newWebhookDeliveryRecord } from "../rules/webhook-deliveries";
import { WEBHOOK_SOURCES, type WebhookDeliveryRecord, type WebhookDeliveryStats } from "../webhook-records";

/**
 * Webhook delivery records on SQLite (rules/webhook-deliveries.ts): one row each, keyed by the
 * delivery key. Recording is one INSERT OR IGNORE, so of two racing requests with one delivery id
 * exactly one inserts (changes = 1) and handles it; the index on received_at serves retention.
 */
export const WEBHOOK_DELIVERIES_MIGRATION = `
CREATE TABLE webhook_deliveries (id TEXT PRIMARY KEY, received_at INTEGER NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries(received_at);
`;

export class SqliteWebhookDeliveries {
  private readonly s;

  constructor(db: Database.Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      insert: p("INSERT OR IGNORE INTO webhook_deliveries (id, received_at, doc) VALUES (?, ?, ?)"),
      remove: p("DELETE FROM webhook_deliveries WHERE id = ?"),
      // one source's rows are a primary-key range (`github:` ≤ id < `github;`)
      count: p("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE id >= ? AND id < ? AND received_at >= ?"),
      last: p("SELECT MAX(received_at) AS at FROM webhook_deliveries WHERE id >= ? AND id < ?"),
      pruneOld: p("DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE received_at < ? ORDER BY received_at LIMIT ?)"),
    };
  }

  record(d: Omit<WebhookDeliveryRecord, "id">): boolean {
    const rec = newWebhookDeliveryRecord(d);
    return this.s.insert.run(rec.id, rec.receivedAt, JSON.stringify(rec)).changes === 1;
  }

  forget(id: string): void {
    this.s.remove.run(id);
  }

  prune(before: EpochMs, limit: number): number {
    return this.s.pruneOld.run(before, limit).changes;
  }

  stats(since: EpochMs): WebhookDeliveryStats[] {
    return WEBHOOK_SOURCES.map((source) => {
      const range = [`${source}:`, `${source};`];
      const count = (this.s.count.get(...range, since) as { n: number }).n;
      const at = (this.s.last.get(...range) as { at: number | null }).at;
      return { source, count, ...(at !== null ? { lastAt: at } : {}) };
    });
  }
}
