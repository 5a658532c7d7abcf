import "server-only";
import type Database from "better-sqlite3";
import type { Stage } from "@/lib/types";
import { StoreError } from "../errors";
import { jobIdForKey } from "../ids";
import {
  clean,
  newJobRecord,
  openRunOf,
  planComplete,
  planPatch,
  planRenew,
  planTransition,
  replayOrConflict,
  sequenceEvents,
  submitIdOf,
  transitionEvents,
} from "../rules/jobs";
import { appendTarget, holdersOf, leasesOf, noCandidates, reapPlanOf, reapedOf, runOfLease, runsOf } from "../rules/job-reads";
import { newApiTokenRecord, planRevoke, planUserRole, tokenExists, userRecord } from "../rules/accounts";
import { factoryExists, factoryNameKey, factoryWrites, holdsName, nameTaken, newFactoryRecord, noFactory } from "../rules/factories";
import { fairnessOf } from "../rules/fairness";
import { logChunkRecords } from "../rules/log";
import { defaultSettings, planSettings, settingsWrites, type SettingsChange } from "../rules/settings";
import { jobColumns, prepare } from "./statements";
import { countOps } from "../op-counter";
import { enrollmentPart, opsPart, trackerSyncPart, webhookPart, type ProviderCore } from "../parts";
import type {
  ClaimCandidateQuery,
  ClaimGrant,
  ClaimRequest,
  CompleteRequest,
  CompleteResult,
  Fence,
  JobFilter,
  NewApiToken,
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
  EventRecord,
  FactoryRecord,
  FairnessCounters,
  JobRecord,
  LeaseRecord,
  LogChunkRecord,
  ProfileSnapshot,
  RecentEvent,
  Role,
  RunRecord,
  Settings,
  UserRecord,
} from "../records";
import { claimStatements } from "./claim-statement";
import { migrate } from "./migrations";
import { decodeCursor, encodeCursor, logPos } from "../shared";
import { DEFAULT_JOB_ORDER, pageOf, type JobOrder } from "../rules/job-order";
import { SqliteOpsDocs } from "./ops-docs";
import { SqliteEnrollmentTokens } from "./enrollment-tokens";
import { SqliteWebhookDeliveries } from "./webhook-deliveries";
import { SqliteTrackerSyncDocs } from "./tracker-sync-docs";
import { sqlitePruner } from "./retention";
import { sqliteRestorer } from "./restore";
import { isBusy, openDatabase, parse, parseAll, unlessBusy, type Row } from "./database";
import { candidatesOfProducts, listJobsRows } from "./list-jobs";

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
  const core = new SqliteStore(options);
  const write = <T>(fn: () => T): T => core.write(fn);
  return countOps(core, {
    ...enrollmentPart(new SqliteEnrollmentTokens(core.db, write)),
    ...opsPart(new SqliteOpsDocs(core.db, write)),
    ...trackerSyncPart(new SqliteTrackerSyncDocs(core.db)),
    ...webhookPart(new SqliteWebhookDeliveries(core.db)),
    ...settingsWrites((change) => core.changeSettings(change)),
    ...factoryWrites((id, change) => core.updateFactory(id, change)),
  });
}

class SqliteStore implements ProviderCore {
  readonly kind = "sqlite" as const;
  readonly db: Database.Database;
  private readonly s: ReturnType<typeof prepare>;
  /** one reusable transaction wrapper (creating one per call costs more than a claim's UPDATE) */
  private readonly tx: Database.Transaction<(fn: () => unknown) => unknown>;
  private readonly claim: ReturnType<typeof claimStatements>;
  private readonly prune: ReturnType<typeof sqlitePruner>;
  private readonly restore: ReturnType<typeof sqliteRestorer>;

  constructor(options: SqliteStoreOptions) {
    this.db = openDatabase(options.file, options.busyTimeoutMs ?? 5000);
    migrate(this.db);
    this.s = prepare(this.db);
    this.tx = this.db.transaction((fn: () => unknown) => fn());
    this.claim = claimStatements(this.db);
    this.prune = sqlitePruner(this.db);
    this.restore = sqliteRestorer(this.db, this.s, isBusy);
  }

  /** Runs fn in BEGIN IMMEDIATE; a busy database surfaces as StoreError `busy`. */
  write<T>(fn: () => T): T {
    return unlessBusy(() => this.tx.immediate(fn) as T);
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
    const doc = unlessBusy(() => this.claim(params));
    return doc === undefined ? null : grantOf(doc);
  }

  async listClaimCandidates(q: ClaimCandidateQuery): Promise<JobRecord[]> {
    if (noCandidates(q)) return [];
    return parseAll<JobRecord>(q.productIds ? candidatesOfProducts(this.db, { ...q, productIds: q.productIds }) : this.s.candidates.all(q.now, q.limit));
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
      return this.appendEventsIn(appendTarget(this.readJob(jobId), jobId, fence), events, fence?.leaseId);
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
    return parseAll<EventRecord>(this.s.eventsAfter.all(jobId, afterSeq, limit));
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
      const job = appendTarget(this.readJob(jobId), jobId, fence);
      // (leaseId, seq) is the primary key: a repeated chunk is ignored.
      for (const rec of logChunkRecords(job, fence, chunks)) this.s.insertLog.run(rec.leaseId, rec.seq, jobId, rec.pos, JSON.stringify(rec));
    });
  }

  async readLog(jobId: string, afterPos: number, limit: number): Promise<LogChunkRecord[]> {
    return parseAll<LogChunkRecord>(this.s.logAfter.all(jobId, afterPos, limit));
  }

  async completeAttempt(req: CompleteRequest): Promise<CompleteResult> {
    return this.write(() => {
      const endedRun = this.readRun(req.leaseId);
      const job = this.readJob(endedRun?.jobId ?? this.jobIdOfLease(req.leaseId) ?? "");
      const plan = planComplete(job, runOfLease(endedRun, job, req.leaseId), req);
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
        const plan = reapPlanOf(job, now, decide);
        if (!job || !plan) return undefined;
        this.replaceJob(job, clean(plan.job));
        this.insertEndedRun(plan.run!, plan.lease);
        this.bumpFairness(job.productId, 1, 0, plan.run?.cost.wallMs ?? 0);
        return reapedOf(job, plan);
      });
      if (r) reaped.push(r);
    }
    return reaped;
  }

  async listJobs(filter: JobFilter, cursor: string | undefined, limit: number, order: JobOrder = DEFAULT_JOB_ORDER): Promise<Page<JobRecord>> {
    const rows = listJobsRows(this.db, filter, cursor, limit, order);
    return rows ? pageOf(parseAll<JobRecord>(rows), limit, order) : { items: [] };
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    return this.readJob(jobId);
  }

  async getJobByKey(productId: string, key: string): Promise<JobRecord | undefined> {
    return this.readJob(jobIdForKey(productId, key));
  }

  async listDependents(jobId: string): Promise<JobRecord[]> {
    return parseAll<JobRecord>(this.s.dependents.all(jobId));
  }

  async listRuns(jobId: string): Promise<RunRecord[]> {
    return runsOf(parseAll<RunRecord>(this.s.runsOfJob.all(jobId)), this.readJob(jobId));
  }

  async listLeases(jobId: string): Promise<LeaseRecord[]> {
    const ended = (this.s.leasesOfJob.all(jobId) as { lease_doc: string }[]).map((r) => JSON.parse(r.lease_doc) as LeaseRecord);
    return leasesOf(ended, this.readJob(jobId));
  }

  async lockHolders(locks: string[]): Promise<Record<string, string>> {
    return holdersOf(locks, (lock) => (this.s.lockHolder.get(lock) as { id: string } | undefined)?.id);
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
      const holder = parseAll<FactoryRecord>(this.s.allFactories.all()).find((x) => holdsName(x) && factoryNameKey(x.name) === key);
      if (holder) throw nameTaken(f.name, holder.id);
      this.s.insertFactory.run(rec.id, rec.productId, rec.tokenHash, JSON.stringify(rec));
    });
    return rec;
  }

  updateFactory(id: string, change: (f: FactoryRecord) => FactoryRecord): FactoryRecord {
    return this.write(() => {
      const f = parse<FactoryRecord>(this.s.factoryById.get(id) as Row | undefined);
      if (!f) throw noFactory(id);
      const next = clean(change(f));
      this.s.updateFactory.run(next.tokenHash, JSON.stringify(next), id);
      return next;
    });
  }

  async listFactories(productId?: string): Promise<FactoryRecord[]> {
    return parseAll<FactoryRecord>(productId === undefined ? this.s.allFactories.all() : this.s.factoriesOf.all(productId));
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
    return parseAll<ApiTokenRecord>(this.s.allTokens.all());
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
    return parseAll<UserRecord>(this.s.allUsers.all());
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

  changeSettings(change: SettingsChange): Settings {
    return this.write(() => {
      const next = planSettings(parse<Settings>(this.s.settings.get() as Row | undefined), change);
      this.s.upsertSettings.run(JSON.stringify(next));
      return next;
    });
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

  // ── retention (retention.ts, restore.ts); enrollment tokens and operations documents: parts.ts ──
  async pruneJobHistory(req: PruneRequest): Promise<string[]> {
    return this.write(() => this.prune(req));
  }

  restoreJobs(records: AsyncIterable<RestoreRecord>): Promise<number> {
    return this.restore(records);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
