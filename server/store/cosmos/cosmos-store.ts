import "server-only";
import type { CosmosClient } from "@azure/cosmos";
import type { Stage } from "@/lib/types";
import { StoreError, isStoreError } from "../errors";
import { jobIdForKey } from "../ids";
import {
  clean,
  newJobRecord,
  planClaim,
  planComplete,
  planPatch,
  planRenew,
  planTransition,
  replayOrConflict,
  submitIdOf,
  transitionEvents,
} from "../rules/jobs";
import { appendTarget, holdersOf, leasesOf, noCandidates, reapPlanOf, reapedOf, runOfLease, runsOf } from "../rules/job-reads";
import { newApiTokenRecord, planRevoke, planUserRole, tokenExists, userRecord } from "../rules/accounts";
import { factoryExists, factoryWrites, newFactoryRecord, noFactory } from "../rules/factories";
import { reserveFactoryName } from "./factory-names";
import { fairnessOf } from "../rules/fairness";
import { logChunkRecords } from "../rules/log";
import { defaultSettings, planSettings, settingsWrites, type SettingsChange } from "../rules/settings";
import { jobDoc, param, query, read, strip, type Sys } from "./documents";
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
  RestoreRecord,
  PatchRequest,
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
import { encodeCursor, logPos } from "../shared";
import { DEFAULT_JOB_ORDER, pageOf, type JobOrder } from "../rules/job-order";
import { listJobsQuery, recentEventsQuery } from "./queries";
import { LOST, withCas, writeIfUnchanged } from "./cas";
import { isConflict, mapCosmosError } from "./cosmos-errors";
import { mergeOutbox } from "./event-outbox";
import { JobDocuments } from "./job-documents";
import { acquireLock, lockDocId, releaseLock, type LockDoc } from "./cosmos-locks";
import type { Containers } from "./containers";
import { CosmosOpsDocs } from "./cosmos-ops-docs";
import { CosmosEnrollmentTokens } from "./enrollment-tokens";
import { CosmosWebhookDeliveries } from "./webhook-deliveries";
import { CosmosTrackerSyncDocs } from "./tracker-sync-docs";
import { cosmosPrune } from "./cosmos-retention";
import { cosmosRestore } from "./cosmos-restore";
import { connectCosmos, type CosmosStoreOptions } from "./client";
import { bumpFairness, endedCounts } from "./fairness-docs";
import { getProfileSnapshot, saveProfileSnapshot } from "./profiles";

export type { CosmosStoreOptions } from "./client";

/**
 * The Cosmos DB provider. Every job write is read → plan (store/rules) → replace with If-Match on
 * the etag; a 412 means another writer got there first: claims give up (the caller tries the next
 * candidate), other writes re-read and re-plan a bounded number of times. Creates that must be
 * unique use deterministic ids and treat 409 as "exists". Nothing depends on transactional batch,
 * TTL, stored procedures or the change feed.
 *
 * Events are atomic with the job write: they are numbered and stored in the job document itself
 * (event-outbox.ts), then copied to fleet_events. Not atomic with it (documented trade-offs): the run
 * / lease-history documents and the fairness counters written right after a completion or reap. A
 * crash between the two leaves the job correct and the side record missing; completion rebuilds a
 * missing run from the job's lease.
 *
 * In-process maps (job → product, lease → job, events copied) are caches only: every miss falls back
 * to a read, so several app instances on one account stay correct.
 */
export async function openCosmosStore(options: CosmosStoreOptions): Promise<Store> {
  const { client, containers } = await connectCosmos(options);
  const core = new CosmosStore(client, containers);
  return countOps(core, {
    ...enrollmentPart(new CosmosEnrollmentTokens(containers.enrollment)),
    ...opsPart(new CosmosOpsDocs(containers.ops)),
    ...trackerSyncPart(new CosmosTrackerSyncDocs(containers.ops)),
    ...webhookPart(new CosmosWebhookDeliveries(containers.webhooks)),
    ...settingsWrites((change) => core.changeSettings(change)),
    ...factoryWrites((id, change) => core.updateFactory(id, change)),
  });
}

class CosmosStore implements ProviderCore {
  readonly kind = "cosmos" as const;
  private readonly jobOfLease = new Map<string, string>();
  private readonly productOfFactory = new Map<string, string>();
  /** reading and conditionally writing job documents with their events (job-documents.ts) */
  private readonly jobDocs: JobDocuments;

  constructor(
    private readonly client: CosmosClient,
    private readonly c: Containers,
  ) {
    this.jobDocs = new JobDocuments(c.jobs, c.events);
  }

  // ── plumbing ──
  private async locateLease(leaseId: string): Promise<string | undefined> {
    const cached = this.jobOfLease.get(leaseId);
    if (cached !== undefined) return cached;
    // an active lease lives on its job; an ended one has its run document
    const [active] = await query<{ id: string; productId: string }>(
      this.c.jobs,
      "SELECT c.id, c.productId FROM c WHERE c.x_leased = true AND c.lease.id = @id",
      [param("@id", leaseId)],
    );
    if (active) this.jobDocs.remember(active.id, active.productId);
    const jobId =
      active?.id ??
      (await query<{ jobId: string }>(this.c.runs, "SELECT c.jobId FROM c WHERE c.id = @id", [param("@id", leaseId)]))[0]?.jobId;
    if (jobId !== undefined) this.jobOfLease.set(leaseId, jobId);
    return jobId;
  }

  private async readRun(leaseId: string, jobId: string): Promise<RunRecord | undefined> {
    const r = await read<RunRecord>(this.c.runs, leaseId, jobId);
    return r ? strip<RunRecord>(r.doc) : undefined;
  }

  /**
   * The end of an attempt, after the job replace that decided it: its run and lease-history
   * documents (upserts, so a retry after a crash converges), the lock, the fairness counters.
   */
  private async recordEnd(prev: JobRecord, run: RunRecord, lease: LeaseRecord): Promise<void> {
    await this.c.runs.items.upsert(clean(run));
    await this.c.leases.items.upsert(lease);
    if (prev.lock !== undefined) await releaseLock(this.c.locks, prev.lock, run.leaseId);
    await bumpFairness(this.c.counters, prev.productId, 1, run.cost.wallMs);
  }

  // ── jobs ──
  async submitJob(input: NewJob): Promise<SubmitResult> {
    const id = submitIdOf(input);
    // A job id is unique fleet-wide, but Cosmos only enforces it per partition: refuse a known id first.
    const elsewhere = await this.jobDocs.locate(id);
    const job = clean(newJobRecord(input, id));
    try {
      if (elsewhere === undefined) {
        await this.c.jobs.items.create(jobDoc(job, 0, []));
        this.jobDocs.remember(id, job.productId);
        return { job, created: true };
      }
    } catch (e) {
      if (!isConflict(e)) throw mapCosmosError(e);
    }
    return replayOrConflict((await this.jobDocs.read(id))?.job, input, id);
  }

  private currentLeaseOf = async (jobId: string, productId: string): Promise<string | undefined> => {
    const r = await read<JobRecord>(this.c.jobs, jobId, productId);
    return r?.doc.lease?.id;
  };

  async claimJob(req: ClaimRequest): Promise<ClaimGrant | null> {
    const cur = await this.jobDocs.read(req.jobId);
    if (!cur) return null;
    const plan = planClaim(cur.job, req);
    if (!plan) return null;
    const lockName = cur.job.lock;
    let lock: { etag: string } | null = null;
    if (lockName !== undefined) {
      lock = await acquireLock(
        this.c.locks,
        lockName,
        { jobId: cur.job.id, productId: cur.job.productId, leaseId: req.leaseId },
        req.now,
        req.ttlMs,
        this.currentLeaseOf,
      );
      if (!lock) return null;
    }
    const next = clean(plan.job);
    // The grant's events are built from it and ride in the same conditional write (event-outbox.ts).
    const grant: ClaimGrant = { job: next, lease: next.lease!, run: clean(plan.run) };
    if ((await this.jobDocs.commit(cur, next, req.events?.(grant) ?? [])) === LOST) {
      if (lockName !== undefined) await releaseLock(this.c.locks, lockName, req.leaseId, lock?.etag);
      return null; // somebody else changed the job first: next candidate
    }
    // The open run and lease live in the job document until the attempt ends (rules/jobs openRunOf):
    // a claim is one conditional write (plus the lock document when the job has a lock).
    this.jobOfLease.set(req.leaseId, cur.job.id);
    return grant;
  }

  async listClaimCandidates(q: ClaimCandidateQuery): Promise<JobRecord[]> {
    if (noCandidates(q)) return [];
    const limit = Math.max(1, Math.floor(q.limit));
    const rows = await query<JobRecord & Sys>(
      this.c.jobs,
      `SELECT TOP ${limit} * FROM c WHERE c.stage = 'queued' AND c.x_leased = false AND c.x_notBefore <= @now
       ${q.productIds ? "AND ARRAY_CONTAINS(@products, c.productId)" : ""}
       ORDER BY c.x_rank ASC, c.createdAt ASC, c.id ASC`,
      [param("@now", q.now), ...(q.productIds ? [param("@products", q.productIds)] : [])],
    );
    // the next call is usually a claim of one of these: spare it the cross-partition lookup
    for (const r of rows) this.jobDocs.remember(r.id, r.productId);
    return rows.map((r) => strip<JobRecord>(r));
  }

  async renewLease(leaseId: string, epoch: number, now: number, ttlMs: number): Promise<{ expiresAt: number }> {
    const jobId = await this.locateLease(leaseId);
    if (jobId === undefined) throw new StoreError("lease_lost", `unknown lease ${leaseId}`);
    const { job } = await this.jobDocs.cas(jobId, (cur) => ({ job: planRenew(cur, leaseId, epoch, now, ttlMs) }));
    return { expiresAt: job.lease!.expiresAt };
  }

  /**
   * Through the job document (event-outbox.ts): the seqs are reserved by a conditional write of the
   * job, which neither bumps its version nor its updatedAt, and the fence is checked in that write.
   */
  async appendEvents(jobId: string, events: NewEvent[], fence?: Fence & { now: number }): Promise<EventRecord[]> {
    if (events.length === 0) {
      appendTarget((await this.jobDocs.read(jobId))?.job, jobId, fence);
      return [];
    }
    const done = await this.jobDocs.cas(jobId, (job) => ({
      job: appendTarget(job, jobId, fence),
      events,
      ...(fence ? { fenceLeaseId: fence.leaseId } : {}),
    }));
    return done.events;
  }

  /** The job document first, then fleet_events (event-outbox.ts: that order leaves no gap). */
  async readEvents(jobId: string, afterSeq: number, limit: number): Promise<EventRecord[]> {
    const cur = await this.jobDocs.read(jobId);
    const rows = await query<EventRecord & { id: string }>(
      this.c.events,
      `SELECT TOP ${Math.max(1, Math.floor(limit))} * FROM c WHERE c.jobId = @pk AND c.seq > @after ORDER BY c.seq ASC`,
      [param("@after", afterSeq)],
      jobId,
    );
    return mergeOutbox(rows.map((r) => strip<EventRecord>(r, true)), cur?.outbox ?? [], afterSeq, Math.max(1, Math.floor(limit)));
  }

  /**
   * Fleet-wide, ordered by (at, jobId, seq). Without the change feed there is no global sequence:
   * an event stored later with an `at` before the cursor (clock skew between app instances) is not
   * returned by a poller already past it. Callers should pass their own clock's `at`.
   */
  async readRecentEvents(afterCursor: string | undefined, limit: number): Promise<RecentEvent[]> {
    const q = recentEventsQuery(afterCursor, limit);
    const rows = await query<EventRecord & { id: string }>(this.c.events, q.text, q.params);
    return (q.newestFirst ? rows.reverse() : rows).map((r) => ({ cursor: encodeCursor([r.at, r.jobId, r.seq]), event: strip<EventRecord>(r, true) }));
  }

  async appendLog(jobId: string, fence: Fence & { now: number }, chunks: NewLogChunk[]): Promise<void> {
    const job = appendTarget((await this.jobDocs.read(jobId))?.job, jobId, fence);
    for (const rec of logChunkRecords(job, fence, chunks)) {
      try {
        // (leaseId, seq) is the document id: a repeated chunk is a 409 and ignored.
        await this.c.logs.items.create({ id: `${rec.leaseId}:${rec.seq}`, ...rec });
      } catch (e) {
        if (!isConflict(e)) throw mapCosmosError(e);
      }
    }
  }

  async readLog(jobId: string, afterPos: number, limit: number): Promise<LogChunkRecord[]> {
    const rows = await query<LogChunkRecord & { id: string }>(
      this.c.logs,
      `SELECT TOP ${Math.max(1, Math.floor(limit))} * FROM c WHERE c.jobId = @pk AND c.pos > @after ORDER BY c.pos ASC`,
      [param("@after", afterPos)],
      jobId,
    );
    return rows.map((r) => strip<LogChunkRecord>(r, true));
  }

  async completeAttempt(req: CompleteRequest): Promise<CompleteResult> {
    const jobId = await this.locateLease(req.leaseId);
    if (jobId === undefined) throw new StoreError("lease_lost", `unknown lease ${req.leaseId}`);
    return withCas(`job ${jobId}`, async () => {
      const ended = await this.readRun(req.leaseId, jobId);
      const cur = await this.jobDocs.read(jobId);
      const plan = planComplete(cur?.job, runOfLease(ended, cur?.job, req.leaseId), req);
      if ("duplicate" in plan) return { job: cur?.job ?? (await this.getJob(jobId))!, run: plan.duplicate, duplicate: true };
      const done = await this.jobDocs.commit(cur!, plan.job, req.events, req.leaseId);
      if (done === LOST) return LOST;
      const endedRun = clean(plan.run);
      await this.recordEnd(cur!.job, endedRun, plan.lease);
      return { job: done.job, run: endedRun, duplicate: false };
    });
  }

  async transitionStage(jobId: string, req: TransitionRequest): Promise<JobRecord> {
    return (await this.jobDocs.cas(jobId, (job) => ({ job: planTransition(job, jobId, req), events: transitionEvents(req) }))).job;
  }

  async patchJob(jobId: string, req: PatchRequest): Promise<JobRecord> {
    return (await this.jobDocs.cas(jobId, (job) => ({ job: planPatch(job, jobId, req), events: req.events ?? [] }))).job;
  }

  async reapExpiredLeases(now: number, decide: (job: JobRecord) => ReapDecision): Promise<ReapedLease[]> {
    const due = await query<{ id: string; productId: string }>(
      this.c.jobs,
      "SELECT c.id, c.productId FROM c WHERE c.x_leased = true AND c.lease.expiresAt <= @now",
      [param("@now", now)],
    );
    const reaped: ReapedLease[] = [];
    for (const { id, productId } of due) {
      this.jobDocs.remember(id, productId);
      const r = await withCas(`job ${id}`, async () => {
        const cur = await this.jobDocs.read(id);
        const plan = reapPlanOf(cur?.job, now, decide);
        if (!cur || !plan) return undefined; // gone, or renewed in the meantime: it keeps its lease
        const done = await this.jobDocs.commit(cur, plan.job);
        if (done === LOST) return LOST;
        await this.recordEnd(cur.job, plan.run!, plan.lease);
        return reapedOf(cur.job, plan);
      }).catch((e: unknown) => {
        if (isStoreError(e, "busy")) return undefined; // the next sweep tries again
        throw e;
      });
      if (r) reaped.push(r);
    }
    return reaped;
  }

  /** Keyset paging in one of job-order.ts's orders (each backed by a composite index, containers.ts). */
  async listJobs(filter: JobFilter, cursor: string | undefined, limit: number, order: JobOrder = DEFAULT_JOB_ORDER): Promise<Page<JobRecord>> {
    const q = listJobsQuery(filter, cursor, limit, order);
    if (!q) return { items: [] };
    return pageOf((await query<JobRecord & Sys>(this.c.jobs, q.text, q.params)).map((r) => strip<JobRecord>(r)), limit, order);
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    return (await this.jobDocs.read(jobId))?.job;
  }

  async getJobByKey(productId: string, key: string): Promise<JobRecord | undefined> {
    const id = jobIdForKey(productId, key);
    const r = await read<JobRecord>(this.c.jobs, id, productId);
    return r ? strip<JobRecord>(r.doc) : undefined;
  }

  async listDependents(jobId: string): Promise<JobRecord[]> {
    const rows = await query<JobRecord & Sys>(this.c.jobs, "SELECT * FROM c WHERE ARRAY_CONTAINS(c.deps, @id)", [param("@id", jobId)]);
    return rows.map((r) => strip<JobRecord>(r)).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  async listRuns(jobId: string): Promise<RunRecord[]> {
    const rows = await query<RunRecord & Sys>(this.c.runs, "SELECT * FROM c WHERE c.jobId = @pk", [], jobId);
    return runsOf(rows.map((r) => strip<RunRecord>(r)), await this.getJob(jobId));
  }

  async listLeases(jobId: string): Promise<LeaseRecord[]> {
    const rows = await query<LeaseRecord & Sys>(this.c.leases, "SELECT * FROM c WHERE c.jobId = @pk", [], jobId);
    return leasesOf(rows.map((r) => strip<LeaseRecord>(r)), await this.getJob(jobId));
  }

  async lockHolders(locks: string[]): Promise<Record<string, string>> {
    return holdersOf(locks, async (lock) => {
      const doc = await read<LockDoc>(this.c.locks, lockDocId(lock), lockDocId(lock));
      // The lock document may outlive its lease (released lazily): held only while the job carries it.
      return doc && (await this.currentLeaseOf(doc.doc.jobId, doc.doc.productId)) === doc.doc.leaseId ? doc.doc.jobId : undefined;
    });
  }

  async lastLogAt(jobId: string, epoch: number): Promise<number | undefined> {
    const rows = await query<{ at: number }>(
      this.c.logs,
      "SELECT TOP 1 c.at FROM c WHERE c.jobId = @pk AND c.pos > @lo AND c.pos < @hi ORDER BY c.pos DESC",
      [param("@lo", logPos(epoch, 0)), param("@hi", logPos(epoch + 1, 0))],
      jobId,
    );
    return rows[0]?.at;
  }

  async countJobsByStage(productId?: string): Promise<Partial<Record<Stage, number>>> {
    // The test server has no GROUP BY: project the stage only and count here.
    const rows = await query<{ stage: Stage }>(
      this.c.jobs,
      `SELECT c.stage FROM c ${productId !== undefined ? "WHERE c.productId = @p" : ""}`,
      productId !== undefined ? [param("@p", productId)] : [],
    );
    const counts: Partial<Record<Stage, number>> = {};
    for (const r of rows) counts[r.stage] = (counts[r.stage] ?? 0) + 1;
    return counts;
  }

  // ── factories ──
  private async readFactory(id: string): Promise<{ f: FactoryRecord; etag: string } | undefined> {
    let productId = this.productOfFactory.get(id);
    if (productId === undefined) {
      const [row] = await query<{ productId: string }>(this.c.factories, "SELECT c.productId FROM c WHERE c.id = @id", [param("@id", id)]);
      if (!row) return undefined;
      productId = row.productId;
      this.productOfFactory.set(id, productId);
    }
    const r = await read<FactoryRecord>(this.c.factories, id, productId);
    return r ? { f: strip<FactoryRecord>(r.doc), etag: r.etag } : undefined;
  }

  async registerFactory(nf: NewFactory): Promise<FactoryRecord> {
    const rec = newFactoryRecord(nf);
    // The id is unique fleet-wide, but Cosmos only enforces it per partition: refuse a known id first.
    if (await this.readFactory(nf.id)) throw factoryExists(nf.id);
    await reserveFactoryName(this.c.locks, nf.name, nf.id, nf.now, (id) => this.getFactory(id));
    if ((await writeIfUnchanged(this.c.factories, rec, rec.productId, undefined)) === LOST) throw factoryExists(nf.id);
    this.productOfFactory.set(rec.id, rec.productId);
    return rec;
  }

  async updateFactory(id: string, change: (f: FactoryRecord) => FactoryRecord): Promise<FactoryRecord> {
    return withCas(`factory ${id}`, async () => {
      const cur = await this.readFactory(id);
      if (!cur) throw noFactory(id);
      const next = clean(change(cur.f));
      return (await writeIfUnchanged(this.c.factories, next, next.productId, cur.etag)) === LOST ? LOST : next;
    });
  }

  async listFactories(productId?: string): Promise<FactoryRecord[]> {
    const rows = await query<FactoryRecord & Sys>(
      this.c.factories,
      `SELECT * FROM c ${productId !== undefined ? "WHERE c.productId = @p" : ""}`,
      productId !== undefined ? [param("@p", productId)] : [],
    );
    return rows.map((r) => strip<FactoryRecord>(r)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async getFactory(factoryId: string): Promise<FactoryRecord | undefined> {
    return (await this.readFactory(factoryId))?.f;
  }

  async getFactoryByTokenHash(tokenHash: string): Promise<FactoryRecord | undefined> {
    const [row] = await query<FactoryRecord & Sys>(this.c.factories, "SELECT * FROM c WHERE c.tokenHash = @h", [param("@h", tokenHash)]);
    return row ? strip<FactoryRecord>(row) : undefined;
  }

  // ── tokens, users (rules/accounts.ts) ──
  async createApiToken(t: NewApiToken): Promise<ApiTokenRecord> {
    const rec = newApiTokenRecord(t);
    if (await this.findApiTokenByHash(t.tokenHash)) throw tokenExists(t.id);
    if ((await writeIfUnchanged(this.c.tokens, rec, rec.id, undefined)) === LOST) throw tokenExists(t.id);
    return rec;
  }

  async findApiTokenByHash(tokenHash: string): Promise<ApiTokenRecord | undefined> {
    const [row] = await query<ApiTokenRecord & Sys>(this.c.tokens, "SELECT * FROM c WHERE c.tokenHash = @h", [param("@h", tokenHash)]);
    return row ? strip<ApiTokenRecord>(row) : undefined;
  }

  async revokeApiToken(id: string, now: number): Promise<ApiTokenRecord> {
    return withCas(`API token ${id}`, async () => {
      const cur = await read<ApiTokenRecord>(this.c.tokens, id, id);
      const t = cur && strip<ApiTokenRecord>(cur.doc);
      const next = planRevoke(t, id, now);
      if (!next) return t!;
      return (await writeIfUnchanged(this.c.tokens, next, id, cur!.etag)) === LOST ? LOST : next;
    });
  }

  async listApiTokens(): Promise<ApiTokenRecord[]> {
    const rows = await query<ApiTokenRecord & Sys>(this.c.tokens, "SELECT * FROM c");
    return rows.map((r) => strip<ApiTokenRecord>(r)).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async upsertUser(u: UserInput): Promise<UserRecord> {
    const rec = userRecord(u, await this.getUser(u.id));
    await this.c.users.items.upsert(rec);
    return rec;
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const r = await read<UserRecord>(this.c.users, id, id);
    return r ? strip<UserRecord>(r.doc) : undefined;
  }

  async listUsers(): Promise<UserRecord[]> {
    const rows = await query<UserRecord & Sys>(this.c.users, "SELECT * FROM c");
    return rows.map((r) => strip<UserRecord>(r)).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async setUserRole(id: string, role: Role, now: number): Promise<UserRecord> {
    const next = planUserRole(await this.getUser(id), id, role, now);
    await this.c.users.items.upsert(next);
    return next;
  }

  // ── settings, profiles, fairness (rules/settings.ts, rules/fairness.ts) ──
  async getSettings(): Promise<Settings> {
    const r = await read<Settings>(this.c.settings, "settings", "settings");
    return r ? strip<Settings>(r.doc, true) : defaultSettings();
  }

  async changeSettings(change: SettingsChange): Promise<Settings> {
    return withCas("settings", async () => {
      const cur = await read<Settings>(this.c.settings, "settings", "settings");
      const next = planSettings(cur && strip<Settings>(cur.doc, true), change);
      return (await writeIfUnchanged(this.c.settings, { id: "settings", ...next }, "settings", cur?.etag)) === LOST ? LOST : next;
    });
  }

  saveProfileSnapshot(p: ProfileSnapshot): Promise<ProfileSnapshot> {
    return saveProfileSnapshot(this.c.profiles, p);
  }

  getProfileSnapshot(productId: string, name: string, version: string): Promise<ProfileSnapshot | undefined> {
    return getProfileSnapshot(this.c.profiles, productId, name, version);
  }

  /** Counter documents hold ENDED attempts and usage; running leases are counted from the jobs. */
  async fairnessCounters(): Promise<FairnessCounters[]> {
    const ended = await endedCounts(this.c.counters);
    const running = await query<{ productId: string }>(this.c.jobs, "SELECT c.productId FROM c WHERE c.x_leased = true");
    return fairnessOf(ended, running.map((r) => ({ productId: r.productId, n: 1 })));
  }

  // ── retention (cosmos-retention.ts, cosmos-restore.ts); enrollment tokens and operations documents: parts.ts ──
  pruneJobHistory(req: PruneRequest): Promise<string[]> {
    return cosmosPrune(this.c, req);
  }

  restoreJobs(records: AsyncIterable<RestoreRecord>): Promise<number> {
    return cosmosRestore(this.c, () => this.countJobsByStage(), records);
  }

  async close(): Promise<void> {
    this.client.dispose();
  }
}
