import "server-only";
import type Database from "better-sqlite3";
import { PRIORITY_RANK } from "../rules/priority";
import type { OrderColumnName } from "../rules/job-order";
import type { JobRecord } from "../records";

/**
 * The SQL of the embedded provider: every prepared statement, the job row's index columns and the
 * listJobs order columns. The dialect only: which rows a write may touch is decided in store/rules
 * and checked inside the provider's BEGIN IMMEDIATE (the claim's own statement: claim-statement.ts).
 */

/** listJobs order columns → SQL columns (`updated_at` is generated from the doc, migration 3). */
export const ORDER_COLUMN: Record<OrderColumnName, string> = {
  createdAt: "created_at",
  updatedAt: "updated_at",
  rank: "prio",
  stage: "stage",
  title: "title_lower",
  id: "id",
};

export function jobColumns(job: JobRecord) {
  return {
    id: job.id,
    product_id: job.productId,
    idem_key: job.idempotencyKey ?? null,
    stage: job.stage,
    prio: PRIORITY_RANK[job.priority],
    created_at: job.createdAt,
    not_before: job.notBefore ?? 0,
    lock: job.lock ?? null,
    lease_id: job.lease?.id ?? null,
    lease_expires_at: job.lease?.expiresAt ?? null,
    factory_id: job.lease?.factoryId ?? null,
    profile: job.manifest.profile ?? null,
    title_lower: job.title.toLowerCase(),
    version: job.version,
    doc: JSON.stringify(job),
  };
}

export function prepare(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    jobById: p("SELECT doc FROM jobs WHERE id = ?"),
    insertJob: p(`INSERT INTO jobs (id, product_id, idem_key, stage, prio, created_at, not_before, lock, lease_id,
      lease_expires_at, factory_id, profile, title_lower, version, doc) VALUES (@id, @product_id, @idem_key, @stage,
      @prio, @created_at, @not_before, @lock, @lease_id, @lease_expires_at, @factory_id, @profile, @title_lower,
      @version, @doc)`),
    // Only the mutable columns: an index whose columns are not SET is left alone, which keeps a claim
    // to a handful of page writes (priority, lock, title, profile and product never change).
    updateJob: p(`UPDATE jobs SET stage = @stage, not_before = @not_before, lease_id = @lease_id,
      lease_expires_at = @lease_expires_at, factory_id = @factory_id, version = @version, doc = @doc
      WHERE id = @id AND version = @prevVersion`),
    insertDep: p("INSERT OR IGNORE INTO job_deps (dep_id, job_id) VALUES (?, ?)"),
    deleteDeps: p("DELETE FROM job_deps WHERE job_id = ?"),
    dependents: p("SELECT j.doc FROM job_deps d JOIN jobs j ON j.id = d.job_id WHERE d.dep_id = ? ORDER BY j.created_at, j.id"),
    lockHolder: p("SELECT id FROM jobs WHERE lock = ? AND lease_id IS NOT NULL LIMIT 1"),
    lastLog: p("SELECT doc FROM logs WHERE job_id = ? AND pos > ? AND pos < ? ORDER BY pos DESC LIMIT 1"),
    // INDEXED BY: without statistics the planner prefers jobs_by_stage and sorts 100,000 rows.
    candidates: p(`SELECT doc FROM jobs INDEXED BY jobs_claimable WHERE stage = 'queued' AND lease_id IS NULL AND not_before <= ?
      ORDER BY prio, created_at, id LIMIT ?`),
    jobIdByLease: p("SELECT id FROM jobs WHERE lease_id = ?"),
    // the partial index holds only leased jobs (the running ones), so this scan stays small
    expiredLeases: p(
      "SELECT id FROM jobs INDEXED BY jobs_by_lease WHERE lease_id IS NOT NULL AND lease_expires_at <= ? ORDER BY lease_expires_at",
    ),
    runById: p("SELECT doc FROM runs WHERE id = ?"),
    insertRun: p("INSERT INTO runs (id, job_id, product_id, attempt, doc, lease_doc) VALUES (?, ?, ?, ?, ?, ?)"),
    runsOfJob: p("SELECT doc FROM runs WHERE job_id = ? ORDER BY attempt"),
    leasesOfJob: p("SELECT lease_doc FROM runs WHERE job_id = ? ORDER BY attempt"),
    maxSeq: p("SELECT MAX(seq) AS m FROM events WHERE job_id = ?"),
    eventByAgentSeq: p("SELECT doc FROM events WHERE lease_id = ? AND agent_seq = ?"),
    insertEvent: p("INSERT INTO events (job_id, seq, lease_id, agent_seq, doc) VALUES (?, ?, ?, ?, ?)"),
    eventsAfter: p("SELECT doc FROM events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?"),
    latestEvents: p("SELECT gid, doc FROM events ORDER BY gid DESC LIMIT ?"),
    eventsAfterGid: p("SELECT gid, doc FROM events WHERE gid > ? ORDER BY gid LIMIT ?"),
    insertLog: p("INSERT OR IGNORE INTO logs (lease_id, seq, job_id, pos, doc) VALUES (?, ?, ?, ?, ?)"),
    logAfter: p("SELECT doc FROM logs WHERE job_id = ? AND pos > ? ORDER BY pos LIMIT ?"),
    countByStage: p("SELECT stage, COUNT(*) AS n FROM jobs GROUP BY stage"),
    countByStageOf: p("SELECT stage, COUNT(*) AS n FROM jobs WHERE product_id = ? GROUP BY stage"),
    factoryById: p("SELECT doc FROM factories WHERE id = ?"),
    factoryByToken: p("SELECT doc FROM factories WHERE token_hash = ?"),
    insertFactory: p("INSERT INTO factories (id, product_id, token_hash, doc) VALUES (?, ?, ?, ?)"),
    updateFactory: p("UPDATE factories SET token_hash = ?, doc = ? WHERE id = ?"),
    allFactories: p("SELECT doc FROM factories ORDER BY id"),
    factoriesOf: p("SELECT doc FROM factories WHERE product_id = ? ORDER BY id"),
    tokenById: p("SELECT doc FROM api_tokens WHERE id = ?"),
    tokenByHash: p("SELECT doc FROM api_tokens WHERE token_hash = ?"),
    insertToken: p("INSERT INTO api_tokens (id, token_hash, doc) VALUES (?, ?, ?)"),
    updateToken: p("UPDATE api_tokens SET doc = ? WHERE id = ?"),
    allTokens: p("SELECT doc FROM api_tokens ORDER BY id"),
    userById: p("SELECT doc FROM users WHERE id = ?"),
    upsertUser: p("INSERT INTO users (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc"),
    allUsers: p("SELECT doc FROM users ORDER BY id"),
    settings: p("SELECT doc FROM settings WHERE id = 'settings'"),
    upsertSettings: p(
      "INSERT INTO settings (id, doc) VALUES ('settings', ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    ),
    profile: p("SELECT doc FROM profiles WHERE product_id = ? AND name = ? AND version = ?"),
    insertProfile: p("INSERT INTO profiles (product_id, name, version, doc) VALUES (?, ?, ?, ?)"),
    bumpFairness: p(`INSERT INTO fairness (product_id, claims, running, usage_ms) VALUES (@productId, @claims, @running, @usageMs)
      ON CONFLICT (product_id) DO UPDATE SET claims = claims + @claims, running = running + @running,
      usage_ms = usage_ms + @usageMs`),
    fairness: p("SELECT product_id, claims, usage_ms FROM fairness"),
    runningByProduct: p(
      "SELECT product_id, COUNT(*) AS n FROM jobs INDEXED BY jobs_by_lease WHERE lease_id IS NOT NULL GROUP BY product_id",
    ),
  };
}
