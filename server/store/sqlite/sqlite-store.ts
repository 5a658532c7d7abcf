import "server-only";
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Stage } from "@/lib/types";
import { StoreError } from "../errors";
import { jobIdForKey } from "../ids";
import {
  checkFence,
  clean,
  newJobRecord,
  openLeaseRecordOf,
  openRunOf,
  planComplete,
  planPatch,
  planRenew,
  planReap,
  planTransition,
  replayOrConflict,
  sequenceEvents,
  submitIdOf,
  withOpen,
  transitionEvents,
} from "../rules/jobs";
import { newApiTokenRecord, planRevoke, planUserRole, tokenExists, userRecord } from "../rules/accounts";
import { factoryExists, factoryNameKey, holdsName, nameTaken, newFactoryRecord, noFactory, planFactoryStatus, planHeartbeat } from "../rules/factories";
import { fairnessOf } from "../rules/fairness";
import { logChunkRecords } from "../rules/log";
import { defaultSettings, killSwitchChange, planSettings, productPausedChange, type SettingsChange } from "../rules/settings";
import { ORDER_COLUMN, jobColumns, prepare } from "./statements";
import { countOps } from "../op-counter";
import type {
  ClaimGrant,
  ClaimRequest,
  CompleteRequest,
  CompleteResult,
  Fence,
  HeartbeatRequest,
  JobFilter,
  NewApiToken,
  NewEnrollmentToken,
  NewEvent,
  NewFactory,
  NewJob,
  NewLogChunk,
  Page,
  PruneRequest,
  PatchRequest,
  RestoreRecord,
  ReapDecision,
  ReapedLease,
  Store,
  SubmitResult,
  TransitionRequest,
  UserInput,
} from "../port";
import type {
  ApiTokenRecord,
  EnrollmentTokenRecord,
  EventRecord,
  FactoryRecord,
  FactoryStatus,
  FairnessCounters,
  JobRecord,
  LeaseRecord,
  LogChunkRecord,
  ProfileSnapshot,
  RecentEvent,
  Role,
  RunRecord,
  OperationsSettings,
  Settings,
  UserRecord,
} from "../records";
import { claimStatements } from "./claim-statement";
import { migrate } from "./migrations";
import { decodeCursor, encodeCursor, logPos } from "../shared";
import { DEFAULT_JOB_ORDER, decodeJobCursor, keysetCondition, orderColumns, pageOf, type JobOrder } from "../rules/job-order";
import type { AlertStateRecord, DeliveryRecord } from "../ops-records";
import { SqliteOpsDocs } from "./ops-docs";
import { SqliteEnrollmentTokens } from "./enrollment-tokens";
import { SqliteWebhookDeliveries } from "./webhook-deliveries";
import { sqlitePruner } from "./retention";
import { sqliteRestorer } from "./restore";

/**
 * The embedded provider. One file, WAL, synchronous=NORMAL. Every write runs in a `BEGIN IMMEDIATE`
 * transaction: SQLite then serializes writers across all connections and processes on the file, so
 * the read-plan-write of store/rules is atomic; the `WHERE version = ?` on the UPDATE is a second
 * guard that turns any bug in that reasoning into a loud conflict rather than a double grant.
 */
export interface SqliteStoreOptions {
  /** a path (created with its directory on first use) or ":memory:" */
  file: string;
  /** how long a writer waits for another connection's transaction (default 5 s) */
  busyTimeoutMs?: number;
}

export function openSqliteStore(options: SqliteStoreOptions): Store {
  return countOps(new SqliteStore(options));
}

type Row = { doc: string };

function parse<T>(row: Row | undefined): T | undefined {
  return row ? (JSON.parse(row.doc) as T) : undefined;
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED";
}

class SqliteStore implements Omit<Store, "opCounts" | "resetOpCounts"> {
  readonly kind = "sqlite" as const;
  private readonly db: Database.Database;
  private readonly s: ReturnType<typeof prepare>;
  /** one reusable transaction wrapper (creating one per call costs more than a claim's UPDATE) */
  private readonly tx: Database.Transaction<(fn: () => unknown) => unknown>;
  private readonly claim: ReturnType<typeof claimStatements>;
  private readonly ops: SqliteOpsDocs;
  private readonly enrollment: SqliteEnrollmentTokens;
  private readonly webhooks: SqliteWebhookDeliveries;
  private readonly prune: ReturnType<typeof sqlitePruner>;
  private readonly restore: ReturnType<typeof sqliteRestorer>;

  constructor(options: SqliteStoreOptions) {
    if (options.file !== ":memory:") mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    // The default 2 MB page cache is far below a 100,000-job working set: every claim would go
    // back to the OS for index pages. 64 MB of cache plus memory-mapped reads keep the claim path hot.
    this.db.pragma("cache_size = -65536");
    this.db.pragma("mmap_size = 268435456");
    this.db.pragma("temp_store = MEMORY");
    this.db.pragma("foreign_keys = OFF");
    migrate(this.db);
    this.s = prepare(this.db);
    this.tx = this.db.transaction((fn: () => unknown) => fn());
    this.claim = claimStatements(this.db);
    this.ops = new SqliteOpsDocs(this.db);
    this.enrollment = new SqliteEnrollmentTokens(this.db, (fn) => this.write(fn));
    this.webhooks = new SqliteWebhookDeliveries(this.db);
    this.prune = sqlitePruner(this.db);
    this.restore = sqliteRestorer(this.db, this.s, isBusy);
  }

  /** Runs fn in BEGIN IMMEDIATE; a busy database surfaces as StoreError `busy`. */
  private write<T>(fn: () => T): T {
    try {
      return this.tx.immediate(fn) as T;
    } catch (e) {
      if (isBusy(e)) throw new StoreError("busy", "the database is busy", { retryAfterMs: 50 });
      throw e;
    }
  }

  private readJob(id: string): JobRecord | undefined {
    return parse<JobRecord>(this.s.jobById.get(id) as Row | undefined);
  }

  private insertJob(job: JobRecord): void {
    this.s.insertJob.run(jobColumns(job));
    for (const dep of job.deps) this.s.insertDep.run(dep, job.id);
  }

  /**
   * Writes `next` over the row whose version is `prev.version`. Inside a write transaction only.
   * `doc` is `JSON.stringify(next)` when the caller already has it.
   */
  private replaceJob(prev: JobRecord, next: JobRecord, doc = JSON.stringify(next)): void {
    const info = this.s.updateJob.run({
      id: next.id,
      stage: next.stage,
      not_before: next.notBefore ?? 0,
      lease_id: next.lease?.id ?? null,
      lease_expires_at: next.lease?.expiresAt ?? null,
      factory_id: next.lease?.factoryId ?? null,
      version: next.version,
      doc,
      prevVersion: prev.version,
    });
    if (info.changes !== 1) throw new StoreError("conflict", `job ${next.id} changed under a write transaction`);
    if (next.deps !== prev.deps) {
      this.s.deleteDeps.run(next.id);
      for (const dep of next.deps) this.s.insertDep.run(dep, next.id);
    }
  }

  private readRun(id: string): RunRecord | undefined {
    return parse<RunRecord>(this.s.runById.get(id) as Row | undefined);
  }

  /** Writes an ended attempt: its run and its lease-history record, as one row. `runDoc`: the run, serialized. */
  private insertEndedRun(run: RunRecord, lease: LeaseRecord, runDoc = JSON.stringify(clean(run))): void {
    this.s.insertRun.run(run.id, run.jobId, run.productId, run.attempt, runDoc, JSON.stringify(lease));
  }

  private bumpFairness(productId: string, claims: number, running: number, usageMs: number): void {
    this.s.bumpFairness.run({ productId, claims, running, usageMs });
  }

  async submitJob(input: NewJob): Promise<SubmitResult> {
    const id = submitIdOf(input);
    return this.write(() => {
      const existing = this.readJob(id);
      if (existing) return replayOrConflict(existing, input, id);
      const job = clean(newJobRecord(input, id));
      this.insertJob(job);
      return { job, created: true };
    });
  }

  /**
   * One statement (claim-statement.ts): the UPDATE's WHERE is the whole claimability check, lock
   * included, evaluated under SQLite's write lock. The open run and lease live in the job row until
   * the attempt ends, so nothing else about the job is written. Without `events` the statement runs
   * on its own (autocommit); with them it runs in one BEGIN IMMEDIATE with the event inserts, so the
   * grant and its `decision:made`/`lease:granted` events commit together in one transaction.
   */
  async claimJob(req: ClaimRequest): Promise<ClaimGrant | null> {
    const params = {
      id: req.jobId,
      leaseId: req.leaseId,
      factoryId: req.factoryId,
      engine: req.engine,
      now: req.now,
      expiresAt: req.now + req.ttlMs,
      ...(req.decision !== undefined ? { decision: JSON.stringify(req.decision) } : {}),
      ...(req.profile !== undefined ? { profile: JSON.stringify(req.profile) } : {}),
      ...(req.expectedVersion !== undefined ? { expectedVersion: req.expectedVersion } : {}),
      ...(req.versions !== undefined ? { versions: JSON.stringify(req.versions) } : {}),
    };
    const grantOf = (doc: string): ClaimGrant => {
      const job = JSON.parse(doc) as JobRecord;
      return { job, lease: job.lease!, run: openRunOf(job)! };
    };
    const events = req.events;
    if (events) {
      return this.write(() => {
        const doc = this.claim(params);
        if (doc === undefined) return null;
        const grant = grantOf(doc);
        const list = events(grant);
        if (list.length > 0) this.appendEventsIn(grant.job, list);
        return grant;
      });
    }
    let doc: string | undefined;
    try {
      doc = this.claim(params);
    } catch (e) {
      if (isBusy(e)) throw new StoreError("busy", "the database is busy", { retryAfterMs: 50 });
      throw e;
    }
    return doc === undefined ? null : grantOf(doc);
  }

  async listClaimCandidates(q: { productIds?: string[]; now: number; limit: number }): Promise<JobRecord[]> {
    if (q.productIds && q.productIds.length === 0) return [];
    const rows = q.productIds
      ? (this.db
          .prepare(
            `SELECT doc FROM jobs INDEXED BY jobs_claimable WHERE stage = 'queued' AND lease_id IS NULL AND not_before <= ?
             AND product_id IN (${q.productIds.map(() => "?").join(",")}) ORDER BY prio, created_at, id LIMIT ?`,
          )
          .all(q.now, ...q.productIds, q.limit) as Row[])
      : (this.s.candidates.all(q.now, q.limit) as Row[]);
    return rows.map((r) => JSON.parse(r.doc) as JobRecord);
  }

  private jobIdOfLease(leaseId: string): string | undefined {
    return (this.s.jobIdByLease.get(leaseId) as { id: string } | undefined)?.id;
  }

  async renewLease(leaseId: string, epoch: number, now: number, ttlMs: number): Promise<{ expiresAt: number }> {
    return this.write(() => {
      const jobId = this.jobIdOfLease(leaseId);
      const job = jobId ? this.readJob(jobId) : undefined;
      const next = planRenew(job, leaseId, epoch, now, ttlMs);
      this.replaceJob(job!, next);
      return { expiresAt: next.lease!.expiresAt };
    });
  }

  async appendEvents(jobId: string, events: NewEvent[], fence?: Fence & { now: number }): Promise<EventRecord[]> {
    return this.write(() => {
      const job = this.readJob(jobId);
      if (!job) throw new StoreError("not_found", `no job ${jobId}`);
      if (fence) checkFence(job, fence.leaseId, fence.epoch, fence.now, true);
      return this.appendEventsIn(job, events, fence?.leaseId);
    });
  }

  /** Inside a write transaction: numbers the events after the job's last seq (rules/jobs sequenceEvents). */
  private appendEventsIn(job: JobRecord, events: NewEvent[], fenceLeaseId?: string): EventRecord[] {
    const last = (this.s.maxSeq.get(job.id) as { m: number | null }).m ?? 0;
    const known = (leaseId: string, agentSeq: number) => parse<EventRecord>(this.s.eventByAgentSeq.get(leaseId, agentSeq) as Row | undefined);
    const { out, fresh } = sequenceEvents(job, last, events, fenceLeaseId, known);
    const stored = new Map<EventRecord, EventRecord>();
    for (const rec of fresh) {
      // Serialized once: the stored text is also what the returned record is read back from (the
      // same JSON-clean copy `clean()` made, without a second stringify of a large decision payload).
      const doc = JSON.stringify(rec);
      this.s.insertEvent.run(job.id, rec.seq, rec.leaseId ?? null, rec.agentSeq ?? null, doc);
      stored.set(rec, JSON.parse(doc) as EventRecord);
    }
    return out.map((e) => stored.get(e) ?? e);
  }

  async readEvents(jobId: string, afterSeq: number, limit: number): Promise<EventRecord[]> {
    return (this.s.eventsAfter.all(jobId, afterSeq, limit) as Row[]).map((r) => JSON.parse(r.doc) as EventRecord);
  }

  async readRecentEvents(afterCursor: string | undefined, limit: number): Promise<RecentEvent[]> {
    type EvRow = Row & { gid: number };
    let rows: EvRow[];
    if (afterCursor === undefined) {
      rows = (this.s.latestEvents.all(limit) as EvRow[]).reverse();
    } else {
      const [gid] = decodeCursor(afterCursor) as [number];
      rows = this.s.eventsAfterGid.all(gid, limit) as EvRow[];
    }
    return rows.map((r) => ({ cursor: encodeCursor([r.gid]), event: JSON.parse(r.doc) as EventRecord }));
  }

  async appendLog(jobId: string, fence: Fence & { now: number }, chunks: NewLogChunk[]): Promise<void> {
    this.write(() => {
      const job = this.readJob(jobId);
      if (!job) throw new StoreError("not_found", `no job ${jobId}`);
      checkFence(job, fence.leaseId, fence.epoch, fence.now, true);
      // (leaseId, seq) is the primary key: a repeated chunk is ignored.
      for (const rec of logChunkRecords(job, fence, chunks)) this.s.insertLog.run(rec.leaseId, rec.seq, jobId, rec.pos, JSON.stringify(rec));
    });
  }

  async readLog(jobId: string, afterPos: number, limit: number): Promise<LogChunkRecord[]> {
    return (this.s.logAfter.all(jobId, afterPos, limit) as Row[]).map((r) => JSON.parse(r.doc) as LogChunkRecord);
  }

  async completeAttempt(req: CompleteRequest): Promise<CompleteResult> {
    return this.write(() => {
      const endedRun = this.readRun(req.leaseId);
      const job = this.readJob(endedRun?.jobId ?? this.jobIdOfLease(req.leaseId) ?? "");
      const existingRun = endedRun ?? (job?.lease?.id === req.leaseId ? openRunOf(job) : undefined);
      const plan = planComplete(job, existingRun, req);
      if ("duplicate" in plan) return { job: job ?? this.readJob(plan.duplicate.jobId)!, run: plan.duplicate, duplicate: true };
      // Each document is serialized once: the stored text is parsed back for the returned (clean) copy.
      const jobDoc = JSON.stringify(plan.job);
      const runDoc = JSON.stringify(plan.run);
      const next = JSON.parse(jobDoc) as JobRecord;
      const run = JSON.parse(runDoc) as RunRecord;
      this.replaceJob(job!, next, jobDoc);
      this.insertEndedRun(run, plan.lease, runDoc);
      this.bumpFairness(job!.productId, 1, 0, run.cost.wallMs);
      if (req.events?.length) this.appendEventsIn(next, req.events, req.leaseId);
      return { job: next, run, duplicate: false };
    });
  }

  /** The job row and its events in one BEGIN IMMEDIATE: any throw (a refused plan, a bad event) rolls both back. */
  async transitionStage(jobId: string, req: TransitionRequest): Promise<JobRecord> {
    return this.write(() => {
      const job = this.readJob(jobId);
      const next = clean(planTransition(job, jobId, req));
      this.replaceJob(job!, next);
      const events = transitionEvents(req);
      if (events.length > 0) this.appendEventsIn(next, events);
      return next;
    });
  }

  async patchJob(jobId: string, req: PatchRequest): Promise<JobRecord> {
    return this.write(() => {
      const job = this.readJob(jobId);
      const next = clean(planPatch(job, jobId, req));
      this.replaceJob(job!, next);
      if (req.events?.length) this.appendEventsIn(next, req.events);
      return next;
    });
  }

  async reapExpiredLeases(now: number, decide: (job: JobRecord) => ReapDecision): Promise<ReapedLease[]> {
    const due = (this.s.expiredLeases.all(now) as { id: string }[]).map((r) => r.id);
    const reaped: ReapedLease[] = [];
    // One transaction per job: a renew between our scan and our write wins and is not reaped.
    for (const jobId of due) {
      const r = this.write(() => {
        const job = this.readJob(jobId);
        if (!job?.lease) return undefined;
        const plan = planReap(job, openRunOf(job), now, decide);
        if (!plan) return undefined;
        const next = clean(plan.job);
        this.replaceJob(job, next);
        this.insertEndedRun(plan.run!, plan.lease);
        this.bumpFairness(job.productId, 1, 0, plan.run?.cost.wallMs ?? 0);
        return { jobId, productId: job.productId, leaseId: plan.leaseId, epoch: plan.epoch, stage: next.stage };
      });
      if (r) reaped.push(r);
    }
    return reaped;
  }

  async listJobs(filter: JobFilter, cursor: string | undefined, limit: number, order: JobOrder = DEFAULT_JOB_ORDER): Promise<Page<JobRecord>> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.stage !== undefined) {
      const stages = Array.isArray(filter.stage) ? filter.stage : [filter.stage];
      if (stages.length === 0) return { items: [] };
      where.push(`stage IN (${stages.map(() => "?").join(",")})`);
      args.push(...stages);
    }
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      args.push(value);
    };
    if (filter.productId !== undefined) add("product_id = ?", filter.productId);
    if (filter.profile !== undefined) add("profile = ?", filter.profile);
    if (filter.factoryId !== undefined) add("factory_id = ?", filter.factoryId);
    if (filter.q !== undefined && filter.q !== "") add("instr(title_lower, ?) > 0", filter.q.toLowerCase());
    if (filter.dependsOn !== undefined) {
      where.push("id IN (SELECT job_id FROM job_deps WHERE dep_id = ?)");
      args.push(filter.dependsOn);
    }
    const cols = orderColumns(order);
    if (cursor !== undefined) {
      const values = decodeJobCursor(order, cursor);
      where.push(keysetCondition(cols, values, (c) => ORDER_COLUMN[c], (v) => (args.push(v), "?")));
    }
    // Each order has an index in its column order (migration 3), so a page is an index range scan.
    const sql = `SELECT doc FROM jobs ${where.length ? "WHERE " + where.join(" AND ") : ""}
      ORDER BY ${cols.map((c) => `${ORDER_COLUMN[c.col]} ${c.desc ? "DESC" : "ASC"}`).join(", ")} LIMIT ?`;
    return pageOf((this.db.prepare(sql).all(...args, limit + 1) as Row[]).map((r) => JSON.parse(r.doc) as JobRecord), limit, order);
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    return this.readJob(jobId);
  }

  async getJobByKey(productId: string, key: string): Promise<JobRecord | undefined> {
    return this.readJob(jobIdForKey(productId, key));
  }

  async listDependents(jobId: string): Promise<JobRecord[]> {
    return (this.s.dependents.all(jobId) as Row[]).map((r) => JSON.parse(r.doc) as JobRecord);
  }

  async listRuns(jobId: string): Promise<RunRecord[]> {
    const ended = (this.s.runsOfJob.all(jobId) as Row[]).map((r) => JSON.parse(r.doc) as RunRecord);
    const job = this.readJob(jobId);
    return withOpen(ended, job && openRunOf(job));
  }

  async listLeases(jobId: string): Promise<LeaseRecord[]> {
    const ended = (this.s.leasesOfJob.all(jobId) as { lease_doc: string }[]).map((r) => JSON.parse(r.lease_doc) as LeaseRecord);
    const job = this.readJob(jobId);
    return withOpen(ended, job && openLeaseRecordOf(job));
  }

  async lockHolders(locks: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const lock of new Set(locks)) {
      const row = this.s.lockHolder.get(lock) as { id: string } | undefined;
      if (row) out[lock] = row.id;
    }
    return out;
  }

  async lastLogAt(jobId: string, epoch: number): Promise<number | undefined> {
    const row = this.s.lastLog.get(jobId, logPos(epoch, 0), logPos(epoch + 1, 0)) as Row | undefined;
    return row ? (JSON.parse(row.doc) as LogChunkRecord).at : undefined;
  }

  async countJobsByStage(productId?: string): Promise<Partial<Record<Stage, number>>> {
    const rows = (productId === undefined ? this.s.countByStage.all() : this.s.countByStageOf.all(productId)) as {
      stage: Stage;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.stage, r.n]));
  }

  // ── factories (rules/factories.ts) ──
  async registerFactory(f: NewFactory): Promise<FactoryRecord> {
    const rec = newFactoryRecord(f);
    this.write(() => {
      if (this.s.factoryById.get(f.id)) throw factoryExists(f.id);
      // Inside BEGIN IMMEDIATE: no other registration can slip in between this look and the insert.
      const key = factoryNameKey(f.name);
      const holder = (this.s.allFactories.all() as Row[]).map((r) => JSON.parse(r.doc) as FactoryRecord).find((x) => holdsName(x) && factoryNameKey(x.name) === key);
      if (holder) throw nameTaken(f.name, holder.id);
      this.s.insertFactory.run(rec.id, rec.productId, rec.tokenHash, JSON.stringify(rec));
    });
    return rec;
  }

  private updateFactory(id: string, change: (f: FactoryRecord) => FactoryRecord): FactoryRecord {
    return this.write(() => {
      const f = parse<FactoryRecord>(this.s.factoryById.get(id) as Row | undefined);
      if (!f) throw noFactory(id);
      const next = clean(change(f));
      this.s.updateFactory.run(next.tokenHash, JSON.stringify(next), id);
      return next;
    });
  }

  async heartbeat(factoryId: string, hb: HeartbeatRequest): Promise<FactoryRecord> {
    return this.updateFactory(factoryId, (f) => planHeartbeat(f, hb));
  }

  async setFactoryStatus(factoryId: string, status: FactoryStatus, now: number): Promise<FactoryRecord> {
    return this.updateFactory(factoryId, (f) => planFactoryStatus(f, status, now));
  }

  async listFactories(productId?: string): Promise<FactoryRecord[]> {
    const rows = (productId === undefined ? this.s.allFactories.all() : this.s.factoriesOf.all(productId)) as Row[];
    return rows.map((r) => JSON.parse(r.doc) as FactoryRecord);
  }

  async getFactory(factoryId: string): Promise<FactoryRecord | undefined> {
    return parse<FactoryRecord>(this.s.factoryById.get(factoryId) as Row | undefined);
  }

  async getFactoryByTokenHash(tokenHash: string): Promise<FactoryRecord | undefined> {
    return parse<FactoryRecord>(this.s.factoryByToken.get(tokenHash) as Row | undefined);
  }

  // ── tokens, users (rules/accounts.ts) ──
  async createApiToken(t: NewApiToken): Promise<ApiTokenRecord> {
    const rec = newApiTokenRecord(t);
    this.write(() => {
      if (this.s.tokenById.get(t.id) || this.s.tokenByHash.get(t.tokenHash)) throw tokenExists(t.id);
      this.s.insertToken.run(t.id, t.tokenHash, JSON.stringify(rec));
    });
    return rec;
  }

  async findApiTokenByHash(tokenHash: string): Promise<ApiTokenRecord | undefined> {
    return parse<ApiTokenRecord>(this.s.tokenByHash.get(tokenHash) as Row | undefined);
  }

  async revokeApiToken(id: string, now: number): Promise<ApiTokenRecord> {
    return this.write(() => {
      const t = parse<ApiTokenRecord>(this.s.tokenById.get(id) as Row | undefined);
      const next = planRevoke(t, id, now);
      if (next) this.s.updateToken.run(JSON.stringify(next), id);
      return next ?? t!;
    });
  }

  async listApiTokens(): Promise<ApiTokenRecord[]> {
    return (this.s.allTokens.all() as Row[]).map((r) => JSON.parse(r.doc) as ApiTokenRecord);
  }
  // ── enrollment tokens (sqlite/enrollment-tokens.ts) ──
  async createEnrollmentToken(t: NewEnrollmentToken): Promise<EnrollmentTokenRecord> {
    return this.enrollment.create(t);
  }

  async findEnrollmentTokenByHash(tokenHash: string): Promise<EnrollmentTokenRecord | undefined> {
    return this.enrollment.findByHash(tokenHash);
  }

  async listEnrollmentTokens(): Promise<EnrollmentTokenRecord[]> {
    return this.enrollment.list();
  }

  async useEnrollmentToken(id: string, now: number): Promise<EnrollmentTokenRecord> {
    return this.enrollment.use(id, now);
  }

  async revokeEnrollmentToken(id: string, now: number): Promise<EnrollmentTokenRecord> {
    return this.enrollment.revoke(id, now);
  }


  async upsertUser(u: UserInput): Promise<UserRecord> {
    return this.write(() => {
      const rec = userRecord(u, parse<UserRecord>(this.s.userById.get(u.id) as Row | undefined));
      this.s.upsertUser.run(u.id, JSON.stringify(rec));
      return rec;
    });
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    return parse<UserRecord>(this.s.userById.get(id) as Row | undefined);
  }

  async listUsers(): Promise<UserRecord[]> {
    return (this.s.allUsers.all() as Row[]).map((r) => JSON.parse(r.doc) as UserRecord);
  }

  async setUserRole(id: string, role: Role, now: number): Promise<UserRecord> {
    return this.write(() => {
      const next = planUserRole(parse<UserRecord>(this.s.userById.get(id) as Row | undefined), id, role, now);
      this.s.upsertUser.run(id, JSON.stringify(next));
      return next;
    });
  }

  // ── settings, profiles, fairness (rules/settings.ts, rules/fairness.ts) ──
  async getSettings(): Promise<Settings> {
    return parse<Settings>(this.s.settings.get() as Row | undefined) ?? defaultSettings();
  }

  private changeSettings(change: SettingsChange): Settings {
    return this.write(() => {
      const next = planSettings(parse<Settings>(this.s.settings.get() as Row | undefined), change);
      this.s.upsertSettings.run(JSON.stringify(next));
      return next;
    });
  }

  async setKillSwitch(k: { on: boolean; reason: string; by: string; now: number }): Promise<Settings> {
    return this.changeSettings(killSwitchChange(k));
  }

  async setProductPaused(productId: string, paused: boolean): Promise<Settings> {
    return this.changeSettings(productPausedChange(productId, paused));
  }

  async saveProfileSnapshot(p: ProfileSnapshot): Promise<ProfileSnapshot> {
    return this.write(() => {
      const prev = parse<ProfileSnapshot>(this.s.profile.get(p.productId, p.name, p.version) as Row | undefined);
      if (prev) return prev;
      this.s.insertProfile.run(p.productId, p.name, p.version, JSON.stringify(p));
      return p;
    });
  }

  async getProfileSnapshot(productId: string, name: string, version: string): Promise<ProfileSnapshot | undefined> {
    return parse<ProfileSnapshot>(this.s.profile.get(productId, name, version) as Row | undefined);
  }

  /** `fairness` rows: ended attempts, bumped in SQL when one ends; running leases from the leased-jobs index. */
  async fairnessCounters(): Promise<FairnessCounters[]> {
    const ended = (this.s.fairness.all() as { product_id: string; claims: number; usage_ms: number }[]).map((r) => ({
      productId: r.product_id,
      claims: r.claims,
      usageMs: r.usage_ms,
    }));
    const running = (this.s.runningByProduct.all() as { product_id: string; n: number }[]).map((r) => ({ productId: r.product_id, n: r.n }));
    return fairnessOf(ended, running);
  }

  // ── operations (ops-docs.ts) ──
  async listAlertStates(): Promise<AlertStateRecord[]> {
    return this.ops.listAlertStates();
  }

  async saveAlertState(state: AlertStateRecord, expectedVersion: number | null): Promise<boolean> {
    return this.ops.saveAlertState(state, expectedVersion);
  }

  async deleteAlertState(id: string, expectedVersion: number): Promise<boolean> {
    return this.ops.deleteAlertState(id, expectedVersion);
  }

  async enqueueDeliveries(deliveries: DeliveryRecord[]): Promise<void> {
    this.write(() => this.ops.enqueueDeliveries(deliveries));
  }

  async listDeliveries(q: { dueBy?: number; limit: number }): Promise<DeliveryRecord[]> {
    return this.ops.listDeliveries(q);
  }

  async saveDelivery(delivery: DeliveryRecord, expectedVersion: number): Promise<boolean> {
    return this.ops.saveDelivery(delivery, expectedVersion);
  }

  async pruneJobHistory(req: PruneRequest): Promise<string[]> {
    return this.write(() => this.prune(req));
  }

  restoreJobs(records: AsyncIterable<RestoreRecord>): Promise<number> {
    return this.restore(records);
  }

  async saveOperationsSettings(ops: OperationsSettings): Promise<Settings> {
    return this.changeSettings((s) => ({ ...s, operations: ops }));
  }

  // ── webhook deliveries (sqlite/webhook-deliveries.ts) ──
  async recordWebhookDelivery(d: Parameters<Store["recordWebhookDelivery"]>[0]): Promise<boolean> {
    return this.webhooks.record(d);
  }
  async forgetWebhookDelivery(id: string): Promise<void> {
    this.webhooks.forget(id);
  }
  async pruneWebhookDeliveries(before: number, limit: number): Promise<number> {
    return this.webhooks.prune(before, limit);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
