import "server-only";
import { CosmosClient, type Container, type JSONValue, type SqlParameter } from "@azure/cosmos";
import { createHash } from "node:crypto";
import https from "node:https";
import type { Stage } from "@/lib/types";
import { StoreError } from "../errors";
import { jobIdForKey } from "../ids";
import {
  PRIORITY_RANK,
  checkFence,
  clean,
  newJobRecord,
  openLeaseRecordOf,
  openRunOf,
  planClaim,
  planComplete,
  planPatch,
  planReap,
  planRenew,
  planTransition,
  sequenceEvents,
  transitionEvents,
} from "../job-rules";
import { countOps } from "../op-counter";
import type {
  ClaimCandidateQuery,
  ClaimGrant,
  ClaimRequest,
  CompleteRequest,
  CompleteResult,
  Fence,
  HeartbeatRequest,
  JobFilter,
  NewApiToken,
  NewEvent,
  NewFactory,
  NewJob,
  NewLogChunk,
  Page,
  PruneRequest,
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
import { decodeCursor, defaultSettings, encodeCursor, logPos } from "../shared";
import { DEFAULT_JOB_ORDER, decodeJobCursor, encodeJobCursor, keysetCondition, orderColumns, type JobOrder, type OrderColumnName } from "../job-order";
import { LOST, withCas, writeIfUnchanged, type Lost } from "./cas";
import { isConflict, isPreconditionFailed, mapCosmosError } from "./cosmos-errors";
import { copyOutbox, mergeOutbox, outboxCopied, type OutboxFields } from "./event-outbox";
import { acquireLock, lockDocId, releaseLock, type LockDoc } from "./cosmos-locks";
import { createIfMissing, ensureContainers, type Containers } from "./containers";
import type { AlertStateRecord, DeliveryRecord } from "../ops-records";
import { CosmosOpsDocs } from "./cosmos-ops-docs";
import { cosmosPrune } from "./cosmos-retention";

/**
 * The Cosmos DB provider. Every job write is read → plan (job-rules.ts) → replace with If-Match on
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
export interface CosmosStoreOptions {
  endpoint: string;
  key: string;
  database: string;
  allowSelfSigned?: boolean;
}

export async function openCosmosStore(options: CosmosStoreOptions): Promise<Store> {
  const client = new CosmosClient({
    endpoint: options.endpoint,
    key: options.key,
    ...(options.allowSelfSigned ? { agent: new https.Agent({ rejectUnauthorized: false, keepAlive: true }) } : {}),
    connectionPolicy: {
      enableEndpointDiscovery: !options.allowSelfSigned,
      // 429: the SDK waits the server's retry-after, at most 3 times / 5 s; then we surface `busy`.
      retryOptions: { maxRetryAttemptCount: 3, maxWaitTimeInSeconds: 5, fixedRetryIntervalInMilliseconds: 0 },
    },
  });
  try {
    const { database } = await createIfMissing(() => client.databases.createIfNotExists({ id: options.database }));
    const containers = await ensureContainers(database);
    return countOps(new CosmosStore(client, containers));
  } catch (e) {
    client.dispose();
    throw mapCosmosError(e);
  }
}

const CAS_ATTEMPTS = 25;

/** A job as read for a write: the record, the etag to write against, and its event outbox. */
interface JobRead {
  job: JobRecord;
  etag: string;
  /** the job's last event seq; undefined on a document written before the outbox existed */
  seq: number | undefined;
  outbox: EventRecord[];
}

const agentKey = (leaseId: string, agentSeq: number) => `${leaseId}\u0000${agentSeq}`;

type Sys = { _etag?: string; _rid?: string; _self?: string; _ts?: number; _attachments?: string };

/** Removes Cosmos system fields and our index-only `x_` fields (and `id` where the record has none). */
function strip<T>(doc: object, dropId = false): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k.startsWith("_") || k.startsWith("x_") || (dropId && k === "id")) continue;
    out[k] = v;
  }
  return out as T;
}

function jobDoc(job: JobRecord, seq: number | undefined, outbox: EventRecord[]) {
  return {
    ...job,
    x_seq: seq,
    x_events: outbox,
    x_rank: PRIORITY_RANK[job.priority],
    x_title: job.title.toLowerCase(),
    x_leased: job.lease !== undefined,
    x_notBefore: job.notBefore ?? 0,
    x_factory: job.lease?.factoryId ?? null,
    x_profile: job.manifest.profile ?? null,
  };
}

/** listJobs order columns → document paths (x_rank and x_title are written by jobDoc). */
const ORDER_PATH: Record<OrderColumnName, string> = {
  createdAt: "c.createdAt",
  updatedAt: "c.updatedAt",
  rank: "c.x_rank",
  stage: "c.stage",
  title: "c.x_title",
  id: "c.id",
};

const param = (name: string, value: unknown): SqlParameter => ({ name, value: value as JSONValue });

class CosmosStore implements Omit<Store, "opCounts" | "resetOpCounts"> {
  readonly kind = "cosmos" as const;
  private readonly productOfJob = new Map<string, string>();
  private readonly jobOfLease = new Map<string, string>();
  private readonly productOfFactory = new Map<string, string>();
  /** job → the highest event seq this instance has seen in fleet_events */
  private readonly copiedThrough = new Map<string, number>();
  private readonly ops: CosmosOpsDocs;

  constructor(
    private readonly client: CosmosClient,
    private readonly c: Containers,
  ) {
    this.ops = new CosmosOpsDocs(c.ops);
  }

  // ── plumbing ──
  /**
   * With `partitionKey`, the query must also filter on it (as `@pk`): the test server ignores the
   * partitionKey option and would otherwise answer from every partition.
   */
  private async query<T>(container: Container, query: string, parameters: SqlParameter[] = [], partitionKey?: string): Promise<T[]> {
    try {
      const { resources } = await container.items
        .query<T>(
          { query, parameters: partitionKey !== undefined ? [...parameters, param("@pk", partitionKey)] : parameters },
          partitionKey !== undefined ? { partitionKey } : {},
        )
        .fetchAll();
      return resources;
    } catch (e) {
      throw mapCosmosError(e);
    }
  }

  private async read<T>(container: Container, id: string, pk: string): Promise<{ doc: T & Sys; etag: string } | undefined> {
    try {
      const { resource, etag } = await container.item(id, pk).read<T & Sys>();
      return resource ? { doc: resource, etag } : undefined;
    } catch (e) {
      throw mapCosmosError(e);
    }
  }

  private async locateJob(jobId: string): Promise<string | undefined> {
    const cached = this.productOfJob.get(jobId);
    if (cached !== undefined) return cached;
    const [row] = await this.query<{ productId: string }>(this.c.jobs, "SELECT c.productId FROM c WHERE c.id = @id", [param("@id", jobId)]);
    if (row) this.productOfJob.set(jobId, row.productId);
    return row?.productId;
  }

  private async readJob(jobId: string): Promise<JobRead | undefined> {
    const productId = await this.locateJob(jobId);
    if (productId === undefined) return undefined;
    const r = await this.read<JobRecord & OutboxFields>(this.c.jobs, jobId, productId);
    return r ? { job: strip<JobRecord>(r.doc), etag: r.etag, seq: r.doc.x_seq, outbox: r.doc.x_events ?? [] } : undefined;
  }

  /**
   * The conditional replace of a job (If-Match on the etag it was read with), with the events it
   * adds numbered into the same document (event-outbox.ts), then copied to fleet_events. LOST when
   * another writer changed the job first: nothing was written, the caller re-reads and re-plans.
   */
  private async commitJob(cur: JobRead, next: JobRecord, events: NewEvent[] = [], fenceLeaseId?: string): Promise<{ job: JobRecord; events: EventRecord[] } | Lost> {
    const job = clean(next);
    let seq = cur.seq;
    let outbox = cur.outbox;
    let out: EventRecord[] = [];
    if (events.length > 0) {
      if (!(await this.outboxSettled(cur))) await copyOutbox(this.c.events, cur.outbox);
      const known = await this.knownAgentEvents(cur, events, fenceLeaseId);
      const numbered = sequenceEvents(job, seq ?? (await this.maxSeq(job.id)), events, fenceLeaseId, (l, a) => known.get(agentKey(l, a)));
      out = clean(numbered.out);
      outbox = clean(numbered.fresh);
      seq = numbered.lastSeq;
    }
    if ((await writeIfUnchanged(this.c.jobs, jobDoc(job, seq, outbox), job.productId, cur.etag)) === LOST) return LOST;
    if (outbox !== cur.outbox && outbox.length > 0) {
      await copyOutbox(this.c.events, outbox);
      this.copiedThrough.set(job.id, seq!);
    }
    return { job, events: out };
  }

  /** Whether the outbox read with the job is in fleet_events already. */
  private async outboxSettled(cur: JobRead): Promise<boolean> {
    const last = cur.outbox[cur.outbox.length - 1];
    if (!last || (this.copiedThrough.get(cur.job.id) ?? 0) >= last.seq) return true;
    const copied = await outboxCopied(this.c.events, cur.job.id, cur.outbox);
    if (copied) this.copiedThrough.set(cur.job.id, last.seq);
    return copied;
  }

  /**
   * The stored events of the agent keys in `events`: from the outbox, then fleet_events. Read after
   * the job, so an identical event that landed before the job read is found in one of the two, and
   * one landing after it changes the etag (our write is LOST and re-planned).
   */
  private async knownAgentEvents(cur: JobRead, events: NewEvent[], fenceLeaseId?: string): Promise<Map<string, EventRecord>> {
    const known = new Map<string, EventRecord>();
    const keys = events
      .map((e) => ({ leaseId: e.leaseId ?? fenceLeaseId, agentSeq: e.agentSeq }))
      .filter((k): k is { leaseId: string; agentSeq: number } => k.leaseId !== undefined && k.agentSeq !== undefined);
    if (keys.length === 0) return known;
    for (const e of cur.outbox) if (e.leaseId !== undefined && e.agentSeq !== undefined) known.set(agentKey(e.leaseId, e.agentSeq), e);
    const rows = await this.query<EventRecord & { id: string }>(
      this.c.events,
      "SELECT * FROM c WHERE c.jobId = @pk AND ARRAY_CONTAINS(@leases, c.leaseId) AND ARRAY_CONTAINS(@seqs, c.agentSeq)",
      [param("@leases", [...new Set(keys.map((k) => k.leaseId))]), param("@seqs", keys.map((k) => k.agentSeq))],
      cur.job.id,
    );
    for (const r of rows) known.set(agentKey(r.leaseId!, r.agentSeq!), strip<EventRecord>(r, true));
    return known;
  }

  /**
   * Read → plan → commitJob, re-planned when the write is LOST. `plan` returns the next job and the
   * events to write with it, or throws a StoreError; the job must exist (`not_found` otherwise).
   */
  private async casJob(
    jobId: string,
    plan: (job: JobRecord | undefined) => { job: JobRecord; events?: NewEvent[]; fenceLeaseId?: string },
  ): Promise<{ prev: JobRecord; job: JobRecord; events: EventRecord[] }> {
    return withCas(`job ${jobId}`, async () => {
      const cur = await this.readJob(jobId);
      const step = plan(cur?.job);
      if (!cur) throw new StoreError("not_found", `no job ${jobId}`);
      const done = await this.commitJob(cur, step.job, step.events, step.fenceLeaseId);
      return done === LOST ? LOST : { prev: cur.job, ...done };
    });
  }

  private async locateLease(leaseId: string): Promise<string | undefined> {
    const cached = this.jobOfLease.get(leaseId);
    if (cached !== undefined) return cached;
    // an active lease lives on its job; an ended one has its run document
    const [active] = await this.query<{ id: string; productId: string }>(
      this.c.jobs,
      "SELECT c.id, c.productId FROM c WHERE c.x_leased = true AND c.lease.id = @id",
      [param("@id", leaseId)],
    );
    if (active) this.productOfJob.set(active.id, active.productId);
    const jobId =
      active?.id ??
      (await this.query<{ jobId: string }>(this.c.runs, "SELECT c.jobId FROM c WHERE c.id = @id", [param("@id", leaseId)]))[0]?.jobId;
    if (jobId !== undefined) this.jobOfLease.set(leaseId, jobId);
    return jobId;
  }

  private async readRun(leaseId: string, jobId: string): Promise<RunRecord | undefined> {
    const r = await this.read<RunRecord>(this.c.runs, leaseId, jobId);
    return r ? strip<RunRecord>(r.doc) : undefined;
  }

  private async bumpFairness(productId: string, claims: number, running: number, usageMs: number): Promise<void> {
    // Counters are scheduling hints, not correctness: a bounded CAS loop, then give up quietly.
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const cur = await this.read<FairnessCounters & { id: string }>(this.c.counters, "fairness", productId);
      const base = cur ? strip<FairnessCounters>(cur.doc, true) : { productId, claimsGranted: 0, runningNow: 0, usageMs: 0 };
      const next = {
        id: "fairness",
        productId,
        claimsGranted: base.claimsGranted + claims,
        runningNow: base.runningNow + running,
        usageMs: base.usageMs + usageMs,
      };
      try {
        if (cur) await this.c.counters.item("fairness", productId).replace(next, { accessCondition: { type: "IfMatch", condition: cur.etag } });
        else await this.c.counters.items.create(next);
        return;
      } catch (e) {
        if (isPreconditionFailed(e) || isConflict(e)) continue;
        throw mapCosmosError(e);
      }
    }
  }

  /**
   * The end of an attempt, after the job replace that decided it: its run and lease-history
   * documents (upserts, so a retry after a crash converges), the lock, the fairness counters.
   */
  private async recordEnd(prev: JobRecord, run: RunRecord, state: LeaseRecord["state"], now: number): Promise<void> {
    await this.c.runs.items.upsert(clean(run));
    await this.c.leases.items.upsert(openLeaseRecordOf(prev, { state, at: now })!);
    if (prev.lock !== undefined) await releaseLock(this.c.locks, prev.lock, run.leaseId);
    await this.bumpFairness(prev.productId, 1, 0, run.cost.wallMs);
  }

  // ── jobs ──
  async submitJob(input: NewJob): Promise<SubmitResult> {
    const id = input.idempotencyKey !== undefined ? jobIdForKey(input.productId, input.idempotencyKey) : input.id;
    if (!id) throw new StoreError("conflict", "a job needs an id or an idempotency key");
    // A job id is unique fleet-wide, but Cosmos only enforces it per partition: refuse a known id first.
    const elsewhere = await this.locateJob(id);
    const job = clean(newJobRecord(input, id));
    try {
      if (elsewhere === undefined) {
        await this.c.jobs.items.create(jobDoc(job, 0, []));
        this.productOfJob.set(id, job.productId);
        return { job, created: true };
      }
    } catch (e) {
      if (!isConflict(e)) throw mapCosmosError(e);
    }
    const existing = await this.readJob(id);
    if (existing && input.idempotencyKey !== undefined && existing.job.contentHash === input.contentHash) {
      return { job: existing.job, created: false };
    }
    throw new StoreError(
      "conflict",
      input.idempotencyKey !== undefined ? `idempotency key "${input.idempotencyKey}" was used for different content` : `job ${id} already exists`,
      { details: { jobId: id } },
    );
  }

  private currentLeaseOf = async (jobId: string, productId: string): Promise<string | undefined> => {
    const r = await this.read<JobRecord>(this.c.jobs, jobId, productId);
    return r?.doc.lease?.id;
  };

  async claimJob(req: ClaimRequest): Promise<ClaimGrant | null> {
    const cur = await this.readJob(req.jobId);
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
    if ((await this.commitJob(cur, next, req.events?.(grant) ?? [])) === LOST) {
      if (lockName !== undefined) await releaseLock(this.c.locks, lockName, req.leaseId, lock?.etag);
      return null; // somebody else changed the job first: next candidate
    }
    // The open run and lease live in the job document until the attempt ends (job-rules openRunOf):
    // a claim is one conditional write (plus the lock document when the job has a lock).
    this.jobOfLease.set(req.leaseId, cur.job.id);
    return grant;
  }

  async listClaimCandidates(q: ClaimCandidateQuery): Promise<JobRecord[]> {
    if (q.productIds && q.productIds.length === 0) return [];
    const limit = Math.max(1, Math.floor(q.limit));
    const rows = await this.query<JobRecord & Sys>(
      this.c.jobs,
      `SELECT TOP ${limit} * FROM c WHERE c.stage = 'queued' AND c.x_leased = false AND c.x_notBefore <= @now
       ${q.productIds ? "AND ARRAY_CONTAINS(@products, c.productId)" : ""}
       ORDER BY c.x_rank ASC, c.createdAt ASC, c.id ASC`,
      [param("@now", q.now), ...(q.productIds ? [param("@products", q.productIds)] : [])],
    );
    // the next call is usually a claim of one of these: spare it the cross-partition lookup
    for (const r of rows) this.productOfJob.set(r.id, r.productId);
    return rows.map((r) => strip<JobRecord>(r));
  }

  async renewLease(leaseId: string, epoch: number, now: number, ttlMs: number): Promise<{ expiresAt: number }> {
    const jobId = await this.locateLease(leaseId);
    if (jobId === undefined) throw new StoreError("lease_lost", `unknown lease ${leaseId}`);
    const { job } = await this.casJob(jobId, (cur) => ({ job: planRenew(cur, leaseId, epoch, now, ttlMs) }));
    return { expiresAt: job.lease!.expiresAt };
  }

  /**
   * Through the job document (event-outbox.ts): the seqs are reserved by a conditional write of the
   * job, which neither bumps its version nor its updatedAt, and the fence is checked in that write.
   */
  async appendEvents(jobId: string, events: NewEvent[], fence?: Fence & { now: number }): Promise<EventRecord[]> {
    if (events.length === 0) {
      const cur = await this.readJob(jobId);
      if (!cur) throw new StoreError("not_found", `no job ${jobId}`);
      if (fence) checkFence(cur.job, fence.leaseId, fence.epoch, fence.now, true);
      return [];
    }
    const done = await this.casJob(jobId, (job) => {
      if (!job) throw new StoreError("not_found", `no job ${jobId}`);
      if (fence) checkFence(job, fence.leaseId, fence.epoch, fence.now, true);
      return { job, events, ...(fence ? { fenceLeaseId: fence.leaseId } : {}) };
    });
    return done.events;
  }

  private async maxSeq(jobId: string): Promise<number> {
    const [max] = await this.query<number | null>(this.c.events, "SELECT VALUE MAX(c.seq) FROM c WHERE c.jobId = @pk", [], jobId);
    return max ?? 0;
  }

  /** The job document first, then fleet_events (event-outbox.ts: that order leaves no gap). */
  async readEvents(jobId: string, afterSeq: number, limit: number): Promise<EventRecord[]> {
    const cur = await this.readJob(jobId);
    const rows = await this.query<EventRecord & { id: string }>(
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
    const top = Math.max(1, Math.floor(limit));
    let rows: (EventRecord & { id: string })[];
    if (afterCursor === undefined) {
      rows = (
        await this.query<EventRecord & { id: string }>(this.c.events, `SELECT TOP ${top} * FROM c ORDER BY c.at DESC, c.jobId DESC, c.seq DESC`)
      ).reverse();
    } else {
      const [at, jobId, seq] = decodeCursor(afterCursor) as [number, string, number];
      rows = await this.query<EventRecord & { id: string }>(
        this.c.events,
        `SELECT TOP ${top} * FROM c WHERE c.at > @at OR (c.at = @at AND (c.jobId > @job OR (c.jobId = @job AND c.seq > @seq)))
         ORDER BY c.at ASC, c.jobId ASC, c.seq ASC`,
        [param("@at", at), param("@job", jobId), param("@seq", seq)],
      );
    }
    return rows.map((r) => ({ cursor: encodeCursor([r.at, r.jobId, r.seq]), event: strip<EventRecord>(r, true) }));
  }

  async appendLog(jobId: string, fence: Fence & { now: number }, chunks: NewLogChunk[]): Promise<void> {
    const cur = await this.readJob(jobId);
    if (!cur) throw new StoreError("not_found", `no job ${jobId}`);
    checkFence(cur.job, fence.leaseId, fence.epoch, fence.now, true);
    for (const c of chunks) {
      const rec: LogChunkRecord = {
        jobId,
        productId: cur.job.productId,
        leaseId: fence.leaseId,
        epoch: fence.epoch,
        seq: c.seq,
        pos: logPos(fence.epoch, c.seq),
        stream: c.stream,
        text: c.text,
        at: c.at,
      };
      try {
        // (leaseId, seq) is the document id: a repeated chunk is a 409 and ignored.
        await this.c.logs.items.create({ id: `${fence.leaseId}:${c.seq}`, ...rec });
      } catch (e) {
        if (!isConflict(e)) throw mapCosmosError(e);
      }
    }
  }

  async readLog(jobId: string, afterPos: number, limit: number): Promise<LogChunkRecord[]> {
    const rows = await this.query<LogChunkRecord & { id: string }>(
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
      const cur = await this.readJob(jobId);
      const existingRun = ended ?? (cur?.job.lease?.id === req.leaseId ? openRunOf(cur.job) : undefined);
      const plan = planComplete(cur?.job, existingRun, req);
      if ("duplicate" in plan) return { job: cur?.job ?? (await this.getJob(jobId))!, run: plan.duplicate, duplicate: true };
      const done = await this.commitJob(cur!, plan.job, req.events, req.leaseId);
      if (done === LOST) return LOST;
      const endedRun = clean(plan.run);
      await this.recordEnd(cur!.job, endedRun, cur!.job.lease!.cancelled ? "cancelled" : "completed", req.now);
      return { job: done.job, run: endedRun, duplicate: false };
    });
  }

  async transitionStage(jobId: string, req: TransitionRequest): Promise<JobRecord> {
    return (await this.casJob(jobId, (job) => ({ job: planTransition(job, jobId, req), events: transitionEvents(req) }))).job;
  }

  async patchJob(jobId: string, req: PatchRequest): Promise<JobRecord> {
    return (await this.casJob(jobId, (job) => ({ job: planPatch(job, jobId, req), events: req.events ?? [] }))).job;
  }

  async reapExpiredLeases(now: number, decide: (job: JobRecord) => ReapDecision): Promise<ReapedLease[]> {
    const due = await this.query<{ id: string; productId: string }>(
      this.c.jobs,
      "SELECT c.id, c.productId FROM c WHERE c.x_leased = true AND c.lease.expiresAt <= @now",
      [param("@now", now)],
    );
    const reaped: ReapedLease[] = [];
    for (const { id, productId } of due) {
      this.productOfJob.set(id, productId);
      for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
        const cur = await this.readJob(id);
        if (!cur?.job.lease) break;
        const plan = planReap(cur.job, openRunOf(cur.job), now, decide);
        if (!plan) break; // renewed in the meantime: it keeps its lease
        const done = await this.commitJob(cur, plan.job);
        if (done === LOST) continue;
        const next = done.job;
        await this.recordEnd(cur.job, plan.run!, plan.cancelled ? "cancelled" : "expired", now);
        reaped.push({ jobId: id, productId, leaseId: plan.leaseId, epoch: plan.epoch, stage: next.stage });
        break;
      }
    }
    return reaped;
  }

  /** Keyset paging in one of job-order.ts's orders (each backed by a composite index, containers.ts). */
  async listJobs(filter: JobFilter, cursor: string | undefined, limit: number, order: JobOrder = DEFAULT_JOB_ORDER): Promise<Page<JobRecord>> {
    const where: string[] = [];
    const params: SqlParameter[] = [];
    const add = (clause: string, name: string, value: unknown) => {
      where.push(clause);
      params.push(param(name, value));
    };
    if (filter.stage !== undefined) {
      const stages = Array.isArray(filter.stage) ? filter.stage : [filter.stage];
      if (stages.length === 0) return { items: [] };
      add("ARRAY_CONTAINS(@stages, c.stage)", "@stages", stages);
    }
    if (filter.productId !== undefined) add("c.productId = @product", "@product", filter.productId);
    if (filter.profile !== undefined) add("c.x_profile = @profile", "@profile", filter.profile);
    if (filter.factoryId !== undefined) add("c.x_factory = @factory", "@factory", filter.factoryId);
    if (filter.q !== undefined && filter.q !== "") add("CONTAINS(c.x_title, @q)", "@q", filter.q.toLowerCase());
    if (filter.dependsOn !== undefined) add("ARRAY_CONTAINS(c.deps, @dep)", "@dep", filter.dependsOn);
    const cols = orderColumns(order);
    if (cursor !== undefined) {
      const values = decodeJobCursor(order, cursor);
      let n = 0;
      where.push(keysetCondition(cols, values, (c) => ORDER_PATH[c], (v) => {
        const name = `@k${n++}`;
        params.push(param(name, v));
        return name;
      }));
    }
    const top = Math.max(1, Math.floor(limit)) + 1;
    const orderBy = cols.map((c) => `${ORDER_PATH[c.col]} ${c.desc ? "DESC" : "ASC"}`).join(", ");
    const rows = await this.query<JobRecord & Sys>(
      this.c.jobs,
      `SELECT TOP ${top} * FROM c ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY ${orderBy}`,
      params,
    );
    const items = rows.slice(0, limit).map((r) => strip<JobRecord>(r));
    const last = items[items.length - 1];
    return rows.length > limit && last ? { items, nextCursor: encodeJobCursor(order, last) } : { items };
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    return (await this.readJob(jobId))?.job;
  }

  async getJobByKey(productId: string, key: string): Promise<JobRecord | undefined> {
    const id = jobIdForKey(productId, key);
    const r = await this.read<JobRecord>(this.c.jobs, id, productId);
    return r ? strip<JobRecord>(r.doc) : undefined;
  }

  async listDependents(jobId: string): Promise<JobRecord[]> {
    const rows = await this.query<JobRecord & Sys>(this.c.jobs, "SELECT * FROM c WHERE ARRAY_CONTAINS(c.deps, @id)", [param("@id", jobId)]);
    return rows.map((r) => strip<JobRecord>(r)).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  async listRuns(jobId: string): Promise<RunRecord[]> {
    const rows = await this.query<RunRecord & Sys>(this.c.runs, "SELECT * FROM c WHERE c.jobId = @pk", [], jobId);
    const job = await this.getJob(jobId);
    const open = job ? openRunOf(job) : undefined;
    const ended = rows.map((r) => strip<RunRecord>(r)).filter((r) => r.id !== open?.id);
    return [...ended, ...(open ? [open] : [])].sort((a, b) => a.attempt - b.attempt);
  }

  async listLeases(jobId: string): Promise<LeaseRecord[]> {
    const rows = await this.query<LeaseRecord & Sys>(this.c.leases, "SELECT * FROM c WHERE c.jobId = @pk", [], jobId);
    const job = await this.getJob(jobId);
    const open = job ? openLeaseRecordOf(job) : undefined;
    const ended = rows.map((r) => strip<LeaseRecord>(r)).filter((r) => r.id !== open?.id);
    return [...ended, ...(open ? [open] : [])].sort((a, b) => a.epoch - b.epoch);
  }

  async lockHolders(locks: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const lock of new Set(locks)) {
      const doc = await this.read<LockDoc>(this.c.locks, lockDocId(lock), lockDocId(lock));
      // The lock document may outlive its lease (released lazily): held only while the job carries it.
      if (doc && (await this.currentLeaseOf(doc.doc.jobId, doc.doc.productId)) === doc.doc.leaseId) out[lock] = doc.doc.jobId;
    }
    return out;
  }

  async lastLogAt(jobId: string, epoch: number): Promise<number | undefined> {
    const rows = await this.query<{ at: number }>(
      this.c.logs,
      "SELECT TOP 1 c.at FROM c WHERE c.jobId = @pk AND c.pos > @lo AND c.pos < @hi ORDER BY c.pos DESC",
      [param("@lo", logPos(epoch, 0)), param("@hi", logPos(epoch + 1, 0))],
      jobId,
    );
    return rows[0]?.at;
  }

  async countJobsByStage(productId?: string): Promise<Partial<Record<Stage, number>>> {
    // The test server has no GROUP BY: project the stage only and count here.
    const rows = await this.query<{ stage: Stage }>(
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
      const [row] = await this.query<{ productId: string }>(this.c.factories, "SELECT c.productId FROM c WHERE c.id = @id", [param("@id", id)]);
      if (!row) return undefined;
      productId = row.productId;
      this.productOfFactory.set(id, productId);
    }
    const r = await this.read<FactoryRecord>(this.c.factories, id, productId);
    return r ? { f: strip<FactoryRecord>(r.doc), etag: r.etag } : undefined;
  }

  async registerFactory(nf: NewFactory): Promise<FactoryRecord> {
    const rec: FactoryRecord = clean({
      id: nf.id, productId: nf.productId, name: nf.name, os: nf.os, arch: nf.arch, capabilities: nf.capabilities,
      stations: nf.stations, free: nf.stations, load: 0, version: nf.version, tokenHash: nf.tokenHash,
      status: "online" as const, lastHeartbeatAt: nf.now, running: [], warm: nf.warm ?? [], costPerHour: nf.costPerHour, registeredAt: nf.now, updatedAt: nf.now,
    });
    if (await this.readFactory(nf.id)) throw new StoreError("conflict", `factory ${nf.id} already exists`);
    try {
      await this.c.factories.items.create(rec);
    } catch (e) {
      if (isConflict(e)) throw new StoreError("conflict", `factory ${nf.id} already exists`);
      throw mapCosmosError(e);
    }
    this.productOfFactory.set(rec.id, rec.productId);
    return rec;
  }

  private async updateFactory(id: string, change: (f: FactoryRecord) => FactoryRecord): Promise<FactoryRecord> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const cur = await this.readFactory(id);
      if (!cur) throw new StoreError("not_found", `no factory ${id}`);
      const next = clean(change(cur.f));
      try {
        await this.c.factories.item(id, next.productId).replace(next, { accessCondition: { type: "IfMatch", condition: cur.etag } });
        return next;
      } catch (e) {
        if (!isPreconditionFailed(e)) throw mapCosmosError(e);
      }
    }
    throw new StoreError("busy", `factory ${id} is too contended`, { retryAfterMs: 100 });
  }

  async heartbeat(factoryId: string, hb: HeartbeatRequest): Promise<FactoryRecord> {
    return this.updateFactory(factoryId, (f) => ({
      ...f, load: hb.load, free: hb.free, running: hb.running, capabilities: hb.capabilities ?? f.capabilities,
      warm: hb.warm ?? f.warm, costPerHour: hb.costPerHour ?? f.costPerHour,
      lastHeartbeatAt: hb.now, updatedAt: hb.now, status: f.status === "offline" ? "online" : f.status,
    }));
  }

  async setFactoryStatus(factoryId: string, status: FactoryStatus, now: number): Promise<FactoryRecord> {
    return this.updateFactory(factoryId, (f) => {
      if (f.status === "revoked" && status !== "revoked") throw new StoreError("conflict", `factory ${factoryId} is revoked`);
      return { ...f, status, updatedAt: now };
    });
  }

  async listFactories(productId?: string): Promise<FactoryRecord[]> {
    const rows = await this.query<FactoryRecord & Sys>(
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
    const [row] = await this.query<FactoryRecord & Sys>(this.c.factories, "SELECT * FROM c WHERE c.tokenHash = @h", [param("@h", tokenHash)]);
    return row ? strip<FactoryRecord>(row) : undefined;
  }

  // ── tokens, users ──
  async createApiToken(t: NewApiToken): Promise<ApiTokenRecord> {
    const rec: ApiTokenRecord = { id: t.id, productId: t.productId, name: t.name, role: t.role, tokenHash: t.tokenHash, createdAt: t.now };
    if (await this.findApiTokenByHash(t.tokenHash)) throw new StoreError("conflict", "an API token with this hash exists");
    try {
      await this.c.tokens.items.create(rec);
    } catch (e) {
      if (isConflict(e)) throw new StoreError("conflict", `API token ${t.id} already exists`);
      throw mapCosmosError(e);
    }
    return rec;
  }

  async findApiTokenByHash(tokenHash: string): Promise<ApiTokenRecord | undefined> {
    const [row] = await this.query<ApiTokenRecord & Sys>(this.c.tokens, "SELECT * FROM c WHERE c.tokenHash = @h", [param("@h", tokenHash)]);
    return row ? strip<ApiTokenRecord>(row) : undefined;
  }

  async revokeApiToken(id: string, now: number): Promise<ApiTokenRecord> {
    const cur = await this.read<ApiTokenRecord>(this.c.tokens, id, id);
    if (!cur) throw new StoreError("not_found", `no API token ${id}`);
    const t = strip<ApiTokenRecord>(cur.doc);
    if (t.revokedAt !== undefined) return t;
    const next = { ...t, revokedAt: now };
    try {
      await this.c.tokens.item(id, id).replace(next, { accessCondition: { type: "IfMatch", condition: cur.etag } });
    } catch (e) {
      if (isPreconditionFailed(e)) return this.revokeApiToken(id, now);
      throw mapCosmosError(e);
    }
    return next;
  }

  async listApiTokens(): Promise<ApiTokenRecord[]> {
    const rows = await this.query<ApiTokenRecord & Sys>(this.c.tokens, "SELECT * FROM c");
    return rows.map((r) => strip<ApiTokenRecord>(r)).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async upsertUser(u: UserInput): Promise<UserRecord> {
    const prev = await this.getUser(u.id);
    const rec: UserRecord = clean({
      id: u.id, productId: u.productId, name: u.name, role: u.role, passwordHash: u.passwordHash, provider: u.provider,
      createdAt: prev?.createdAt ?? u.now, updatedAt: u.now,
    });
    await this.c.users.items.upsert(rec);
    return rec;
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const r = await this.read<UserRecord>(this.c.users, id, id);
    return r ? strip<UserRecord>(r.doc) : undefined;
  }

  async listUsers(): Promise<UserRecord[]> {
    const rows = await this.query<UserRecord & Sys>(this.c.users, "SELECT * FROM c");
    return rows.map((r) => strip<UserRecord>(r)).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async setUserRole(id: string, role: Role, now: number): Promise<UserRecord> {
    const u = await this.getUser(id);
    if (!u) throw new StoreError("not_found", `no user ${id}`);
    const next = { ...u, role, updatedAt: now };
    await this.c.users.items.upsert(next);
    return next;
  }

  // ── settings, profiles, fairness ──
  async getSettings(): Promise<Settings> {
    const r = await this.read<Settings>(this.c.settings, "settings", "settings");
    return r ? strip<Settings>(r.doc, true) : defaultSettings();
  }

  private async changeSettings(change: (s: Settings) => Settings): Promise<Settings> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const cur = await this.read<Settings>(this.c.settings, "settings", "settings");
      const base = cur ? strip<Settings>(cur.doc, true) : defaultSettings();
      const next = { ...change(base), version: base.version + 1 };
      try {
        if (cur) {
          await this.c.settings.item("settings", "settings").replace({ id: "settings", ...next }, { accessCondition: { type: "IfMatch", condition: cur.etag } });
        } else {
          await this.c.settings.items.create({ id: "settings", ...next });
        }
        return next;
      } catch (e) {
        if (!isPreconditionFailed(e) && !isConflict(e)) throw mapCosmosError(e);
      }
    }
    throw new StoreError("busy", "settings are too contended", { retryAfterMs: 100 });
  }

  async setKillSwitch(k: { on: boolean; reason: string; by: string; now: number }): Promise<Settings> {
    return this.changeSettings((s) => ({ ...s, killSwitch: { on: k.on, reason: k.reason, by: k.by, at: k.now } }));
  }

  async setProductPaused(productId: string, paused: boolean): Promise<Settings> {
    return this.changeSettings((s) => {
      const others = s.pausedProducts.filter((p) => p !== productId);
      return { ...s, pausedProducts: paused ? [...others, productId].sort() : others };
    });
  }

  private profileDocId(name: string, version: string): string {
    return "profile-" + createHash("sha256").update(name).update("\u0000").update(version).digest("hex").slice(0, 40);
  }

  async saveProfileSnapshot(p: ProfileSnapshot): Promise<ProfileSnapshot> {
    try {
      await this.c.profiles.items.create({ id: this.profileDocId(p.name, p.version), ...p });
      return p;
    } catch (e) {
      if (!isConflict(e)) throw mapCosmosError(e);
      return (await this.getProfileSnapshot(p.productId, p.name, p.version))!;
    }
  }

  async getProfileSnapshot(productId: string, name: string, version: string): Promise<ProfileSnapshot | undefined> {
    const r = await this.read<ProfileSnapshot>(this.c.profiles, this.profileDocId(name, version), productId);
    return r ? strip<ProfileSnapshot>(r.doc, true) : undefined;
  }

  async fairnessCounters(): Promise<FairnessCounters[]> {
    // counter documents hold ENDED attempts and usage; running leases are counted from the jobs
    const ended = await this.query<FairnessCounters & Sys & { id: string }>(this.c.counters, "SELECT * FROM c");
    const running = await this.query<{ productId: string }>(this.c.jobs, "SELECT c.productId FROM c WHERE c.x_leased = true");
    const byProduct = new Map<string, FairnessCounters>();
    const entry = (productId: string) => {
      let e = byProduct.get(productId);
      if (!e) byProduct.set(productId, (e = { productId, claimsGranted: 0, runningNow: 0, usageMs: 0 }));
      return e;
    };
    for (const r of ended) {
      const e = entry(r.productId);
      e.claimsGranted += r.claimsGranted;
      e.usageMs += r.usageMs;
    }
    for (const r of running) {
      const e = entry(r.productId);
      e.claimsGranted += 1;
      e.runningNow += 1;
    }
    return [...byProduct.values()].sort((a, b) => (a.productId < b.productId ? -1 : 1));
  }

  // ── operations (cosmos-ops-docs.ts) ──
  listAlertStates(): Promise<AlertStateRecord[]> {
    return this.ops.listAlertStates();
  }

  saveAlertState(state: AlertStateRecord, expectedVersion: number | null): Promise<boolean> {
    return this.ops.saveAlertState(state, expectedVersion);
  }

  deleteAlertState(id: string, expectedVersion: number): Promise<boolean> {
    return this.ops.deleteAlertState(id, expectedVersion);
  }

  enqueueDeliveries(deliveries: DeliveryRecord[]): Promise<void> {
    return this.ops.enqueueDeliveries(deliveries);
  }

  listDeliveries(q: { dueBy?: number; limit: number }): Promise<DeliveryRecord[]> {
    return this.ops.listDeliveries(q);
  }

  saveDelivery(delivery: DeliveryRecord, expectedVersion: number): Promise<boolean> {
    return this.ops.saveDelivery(delivery, expectedVersion);
  }

  pruneJobHistory(req: PruneRequest): Promise<string[]> {
    return cosmosPrune(this.c, req);
  }

  saveOperationsSettings(ops: OperationsSettings): Promise<Settings> {
    return this.changeSettings((s) => ({ ...s, operations: ops }));
  }

  async close(): Promise<void> {
    this.client.dispose();
  }
}
