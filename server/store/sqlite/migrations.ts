import "server-only";
import type Database from "better-sqlite3";
import { ENROLLMENT_TOKENS_MIGRATION } from "./enrollment-tokens";
import { OPS_DOCS_MIGRATION } from "./ops-docs";
import { WEBHOOK_DELIVERIES_MIGRATION } from "./webhook-deliveries";

/**
 * Versioned schema. Append a migration, never edit a shipped one: `schema_migrations` records what ran.
 * Records live as JSON in `doc`; the columns beside it are copies kept only to index and filter
 * (written from the doc on every write, so they cannot disagree with it).
 */
const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  product_id TEXT NOT NULL,
  idem_key TEXT,
  stage TEXT NOT NULL,
  prio INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  not_before INTEGER NOT NULL DEFAULT 0,
  lock TEXT,
  lease_id TEXT,
  lease_expires_at INTEGER,
  factory_id TEXT,
  profile TEXT,
  title_lower TEXT NOT NULL,
  version INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE UNIQUE INDEX jobs_by_key ON jobs(product_id, idem_key) WHERE idem_key IS NOT NULL;
-- the claim path: queued, unleased, in priority-then-age order (a partial index stays small)
CREATE INDEX jobs_claimable ON jobs(prio, created_at, id) WHERE stage = 'queued' AND lease_id IS NULL;
CREATE INDEX jobs_by_lease ON jobs(lease_id) WHERE lease_id IS NOT NULL;
CREATE INDEX jobs_by_expiry ON jobs(lease_expires_at) WHERE lease_id IS NOT NULL;
CREATE INDEX jobs_lock_held ON jobs(lock) WHERE lock IS NOT NULL AND lease_id IS NOT NULL;
CREATE INDEX jobs_newest ON jobs(created_at, id);
CREATE INDEX jobs_by_stage ON jobs(stage, created_at, id);
CREATE INDEX jobs_by_product ON jobs(product_id, created_at, id);
CREATE TABLE job_deps (dep_id TEXT NOT NULL, job_id TEXT NOT NULL, PRIMARY KEY (dep_id, job_id)) WITHOUT ROWID;
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  product_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX runs_by_job ON runs(job_id, attempt);
CREATE TABLE leases (id TEXT PRIMARY KEY, job_id TEXT NOT NULL, epoch INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX leases_by_job ON leases(job_id, epoch);
CREATE TABLE events (
  gid INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  lease_id TEXT,
  agent_seq INTEGER,
  doc TEXT NOT NULL,
  UNIQUE (job_id, seq)
);
CREATE UNIQUE INDEX events_by_agent_seq ON events(lease_id, agent_seq) WHERE agent_seq IS NOT NULL;
CREATE TABLE logs (
  lease_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  job_id TEXT NOT NULL,
  pos INTEGER NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (lease_id, seq)
);
CREATE INDEX logs_by_job ON logs(job_id, pos);
CREATE TABLE factories (id TEXT PRIMARY KEY, product_id TEXT NOT NULL, token_hash TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX factories_by_token ON factories(token_hash);
CREATE TABLE api_tokens (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE users (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE settings (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE profiles (product_id TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (product_id, name, version)) WITHOUT ROWID;
CREATE TABLE fairness (product_id TEXT PRIMARY KEY, claims INTEGER NOT NULL, running INTEGER NOT NULL, usage_ms INTEGER NOT NULL);
`,
  },
  {
    // A claim writes one row (the job) instead of three: the open run and lease are derived from
    // the job's lease, and a run row (with its lease-history record beside it) is written when the
    // attempt ends. The expiry index goes too: the reaper scans the leased-jobs index, which holds
    // only running jobs.
    version: 2,
    sql: `
DROP INDEX IF EXISTS jobs_by_expiry;
ALTER TABLE runs ADD COLUMN lease_doc TEXT;
UPDATE runs SET lease_doc = (SELECT doc FROM leases WHERE leases.id = runs.id);
DELETE FROM runs WHERE id IN (SELECT lease_id FROM jobs WHERE lease_id IS NOT NULL);
DROP TABLE leases;
`,
  },
  {
    // The orders of listJobs (job-order.ts), each an index in its column order so a page is a range
    // scan at any depth. priority (rank asc, created desc, id desc) keeps its mixed directions in the
    // index; stage and createdAt use jobs_by_stage and jobs_newest. updated_at is a VIRTUAL column
    // generated from the doc: every write already rewrites the doc, so no write statement (the claim
    // included) has to set it, and it can never disagree with the doc. Its index is the one new cost
    // of a job write; title and priority never change after submit, so their indexes are written once.
    version: 3,
    sql: `
ALTER TABLE jobs ADD COLUMN updated_at INTEGER GENERATED ALWAYS AS (json_extract(doc, '$.updatedAt')) VIRTUAL;
CREATE INDEX jobs_by_updated ON jobs(updated_at, id);
CREATE INDEX jobs_by_priority ON jobs(prio, created_at DESC, id DESC);
CREATE INDEX jobs_by_title ON jobs(title_lower, created_at, id);
`,
  },
  {
    // Issue 13: alert episodes and the alert outbox (ops-docs.ts).
    version: 4,
    sql: OPS_DOCS_MIGRATION,
  },
  {
    // Issue 14: enrollment tokens made on the Admin page, with an expiry and a use count.
    version: 5,
    sql: ENROLLMENT_TOKENS_MIGRATION,
  },
  {
    // Issue 15: webhook deliveries already taken (de-duplication on X-GitHub-Delivery).
    version: 6,
    sql: WEBHOOK_DELIVERIES_MIGRATION,
  },
];

/** Applies every migration newer than the file's version (`upTo`: stop early, for migration tests). */
export function migrate(db: Database.Database, upTo = Number.POSITIVE_INFINITY): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  // IMMEDIATE: two processes opening a fresh file at once must not both run migration 1.
  db.transaction(() => {
    const row = db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null };
    const current = row.v ?? 0;
    for (const m of MIGRATIONS) {
      if (m.version <= current || m.version > upTo) continue;
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(m.version, Date.now());
    }
  }).immediate();
}
