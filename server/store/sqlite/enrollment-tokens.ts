import "server-only";
import type Database from "better-sqlite3";
import type { NewEnrollmentToken } from "../port";
import type { EnrollmentTokenRecord, EpochMs } from "../records";
import { enrollmentTokenExists, newEnrollmentTokenRecord, planEnrollmentRevoke, planEnrollmentUse } from "../rules/enrollment";

/**
 * Stored enrollment tokens on SQLite (rules/enrollment.ts): one row per token, the hash unique.
 * The store runs each write inside its BEGIN IMMEDIATE (`write`), so a use reads and bumps the count
 * with no other writer in between.
 */
export const ENROLLMENT_TOKENS_MIGRATION = `
CREATE TABLE enrollment_tokens (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
`;

type Row = { doc: string };
const parse = (r: Row | undefined) => (r ? (JSON.parse(r.doc) as EnrollmentTokenRecord) : undefined);

export class SqliteEnrollmentTokens {
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly write: <T>(fn: () => T) => T,
  ) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      byId: p("SELECT doc FROM enrollment_tokens WHERE id = ?"),
      byHash: p("SELECT doc FROM enrollment_tokens WHERE token_hash = ?"),
      insert: p("INSERT INTO enrollment_tokens (id, token_hash, doc) VALUES (?, ?, ?)"),
      update: p("UPDATE enrollment_tokens SET doc = ? WHERE id = ?"),
      all: p("SELECT doc FROM enrollment_tokens ORDER BY id"),
    };
  }

  create(t: NewEnrollmentToken): EnrollmentTokenRecord {
    const rec = newEnrollmentTokenRecord(t);
    return this.write(() => {
      if (this.s.byId.get(t.id) || this.s.byHash.get(t.tokenHash)) throw enrollmentTokenExists(t.id);
      this.s.insert.run(rec.id, rec.tokenHash, JSON.stringify(rec));
      return rec;
    });
  }

  findByHash(tokenHash: string): EnrollmentTokenRecord | undefined {
    return parse(this.s.byHash.get(tokenHash) as Row | undefined);
  }

  list(): EnrollmentTokenRecord[] {
    return (this.s.all.all() as Row[]).map((r) => JSON.parse(r.doc) as EnrollmentTokenRecord);
  }

  use(id: string, now: EpochMs): EnrollmentTokenRecord {
    return this.write(() => {
      const next = planEnrollmentUse(parse(this.s.byId.get(id) as Row | undefined), id, now);
      this.s.update.run(JSON.stringify(next), id);
      return next;
    });
  }

  revoke(id: string, now: EpochMs): EnrollmentTokenRecord {
    return this.write(() => {
      const cur = parse(this.s.byId.get(id) as Row | undefined);
      const next = planEnrollmentRevoke(cur, id, now);
      if (!next) return cur!;
      this.s.update.run(JSON.stringify(next), id);
      return next;
    });
  }
}
