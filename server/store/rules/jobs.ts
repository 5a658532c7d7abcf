import "server-only";
import { canTransition, LEASED_STAGES } from "@/lib/stages";
import type { Stage } from "@/lib/types";
import { StoreError } from "../errors";
import { jobIdForKey } from "../ids";
import type {
  ClaimRequest,
  CompleteRequest,
  JobPatch,
  NewEvent,
  NewJob,
  PatchRequest,
  ReapDecision,
  SubmitResult,
  TransitionRequest,
} from "../port";
import {
  ZERO_COST,
  type Cost,
  type EpochMs,
  type EventRecord,
  type JobLease,
  type JobRecord,
  type LeaseRecord,
  type RunRecord,
} from "../records";

/**
 * The rules of every job write, as pure functions from (current job, request) to the next job and
 * its side records. Both providers read the job, apply one of these, and write the result back with
 * ONE conditional write (SQLite: inside BEGIN IMMEDIATE, `WHERE version = ?`; Cosmos: If-Match). So
 * the semantics cannot drift between providers; only the atomicity mechanism differs. One exception,
 * for speed: SQLite's claim is `planClaim` written as a single UPDATE (sqlite/claim-statement.ts);
 * the contract suite and the model test hold it to the same outcome.
 *
 * Lease lifecycle (the invariant: at most one lease per job, cancelled or not):
 *   claim ──► active ──renew──► active ──complete──► (gone, run ended by agent)
 *                │                 └──expiry + reap──► (gone, run ended by lease_expired)
 *                └──operator moves the job out of assigned/building──► cancelled (still held: the
 *                   engine may still run; renew answers `cancelled`; complete or reap ends it)
 * A job with any lease is never claimable, so its `lock` stays held until the agent stops.
 */

export function newJobRecord(input: NewJob, id: string): JobRecord {
  const job: JobRecord = {
    id,
    productId: input.productId,
    title: input.title,
    body: input.body,
    manifest: input.manifest,
    contentHash: input.contentHash,
    stage: input.stage,
    priority: input.manifest.priority,
    deps: [...input.deps],
    depKeys: [...input.depKeys],
    blockedReasons: [...(input.blockedReasons ?? [])],
    attempts: 0,
    leaseLosses: 0,
    epoch: 0,
    cost: { usd: 0, tokensIn: 0, tokensOut: 0, wallMs: 0 },
    approvals: [],
    createdAt: input.now,
    updatedAt: input.now,
    version: 1,
  };
  if (input.idempotencyKey !== undefined) job.idempotencyKey = input.idempotencyKey;
  if (input.manifest.lock !== undefined) job.lock = input.manifest.lock;
  if (input.pendingReason !== undefined) job.pendingReason = input.pendingReason;
  if (input.delivery !== undefined) job.delivery = { ...input.delivery };
  if (input.task !== undefined) job.task = { ...input.task };
  if (input.followUpOf !== undefined) job.followUpOf = { ...input.followUpOf };
  return job;
}

/** The id a submit creates: derived from (productId, key) with an idempotency key (ids.ts), else the given id. */
export function submitIdOf(input: NewJob): string {
  const id = input.idempotencyKey !== undefined ? jobIdForKey(input.productId, input.idempotencyKey) : input.id;
  if (!id) throw new StoreError("conflict", "a job needs an id or an idempotency key");
  return id;
}

/** A submit whose id is taken: the same key with the same content replays the job; anything else is `conflict`. */
export function replayOrConflict(existing: JobRecord | undefined, input: NewJob, id: string): SubmitResult {
  if (existing && input.idempotencyKey !== undefined && existing.contentHash === input.contentHash) return { job: existing, created: false };
  const why = input.idempotencyKey !== undefined ? `idempotency key "${input.idempotencyKey}" was used for different content` : `job ${id} already exists`;
  throw new StoreError("conflict", why, { details: { jobId: id } });
}

/** Ended records (stored when their attempt ends) and the open one derived from the job, in attempt order. */
export function withOpen<T extends { id: string; epoch: number }>(ended: T[], open: T | undefined): T[] {
  return [...ended.filter((r) => r.id !== open?.id), ...(open ? [open] : [])].sort((a, b) => a.epoch - b.epoch);
}

/** Whether a claim may take this job now (the claim itself re-checks inside its conditional write). */
export function isClaimable(job: JobRecord, now: EpochMs): boolean {
  return job.stage === "queued" && job.lease === undefined && (job.notBefore ?? 0) <= now;
}

export interface ClaimPlan {
  job: JobRecord;
  lease: JobLease;
  run: RunRecord;
  leaseRecord: LeaseRecord;
}

/** null: not claimable (stage, lease, backoff or a stale expectedVersion). Lock is the provider's check. */
export function planClaim(job: JobRecord, req: ClaimRequest): ClaimPlan | null {
  if (!isClaimable(job, req.now)) return null;
  if (req.expectedVersion !== undefined && req.expectedVersion !== job.version) return null;
  const epoch = job.epoch + 1;
  const lease: JobLease = {
    id: req.leaseId,
    epoch,
    factoryId: req.factoryId,
    engine: req.engine,
    grantedAt: req.now,
    expiresAt: req.now + req.ttlMs,
  };
  if (req.versions !== undefined) lease.versions = req.versions;
  const next: JobRecord = { ...job, stage: "assigned", epoch, lease, updatedAt: req.now, version: job.version + 1 };
  delete next.notBefore;
  delete next.pendingReason;
  if (req.decision !== undefined) next.decision = req.decision;
  if (req.profile !== undefined) next.profile = req.profile;
  const run = openRunOf(next)!;
  const leaseRecord = openLeaseRecordOf(next)!;
  return { job: next, lease, run, leaseRecord };
}

/**
 * The run of the job's current lease, derived from the lease itself: a run's identity, factory,
 * engine, start and profile are all fixed at the claim, so a provider may store the run only when
 * it ends (SQLite does: one row write per claim instead of three).
 */
export function openRunOf(job: JobRecord): RunRecord | undefined {
  const l = job.lease;
  if (!l) return undefined;
  const run: RunRecord = {
    id: l.id,
    jobId: job.id,
    productId: job.productId,
    attempt: l.epoch,
    leaseId: l.id,
    epoch: l.epoch,
    factoryId: l.factoryId,
    engine: l.engine,
    startedAt: l.grantedAt,
    cost: { usd: 0, tokensIn: 0, tokensOut: 0, wallMs: 0 },
  };
  if (job.profile !== undefined) run.profile = job.profile;
  if (l.versions !== undefined) run.versions = l.versions;
  return run;
}

/** The lease-history record of the job's current lease (`state` active), or of it ending. */
export function openLeaseRecordOf(job: JobRecord, end?: { state: LeaseRecord["state"]; at: EpochMs }): LeaseRecord | undefined {
  const l = job.lease;
  if (!l) return undefined;
  const rec: LeaseRecord = {
    id: l.id,
    jobId: job.id,
    productId: job.productId,
    epoch: l.epoch,
    factoryId: l.factoryId,
    engine: l.engine,
    grantedAt: l.grantedAt,
    expiresAt: l.expiresAt,
    state: end?.state ?? "active",
  };
  if (end) rec.endedAt = end.at;
  return rec;
}

/**
 * Throws unless (leaseId, epoch) is the job's current, unexpired lease. `allowCancelled`: events,
 * logs and complete still come in from an agent that is stopping; renew must tell it to stop.
 */
export function checkFence(
  job: JobRecord | undefined,
  leaseId: string,
  epoch: number,
  now: EpochMs,
  allowCancelled: boolean,
): JobLease {
  const lease = job?.lease;
  if (!job || !lease || lease.id !== leaseId || lease.epoch !== epoch) {
    throw new StoreError("lease_lost", `lease ${leaseId} (epoch ${epoch}) is not the job's current lease`);
  }
  if (now >= lease.expiresAt) throw new StoreError("lease_lost", `lease ${leaseId} expired`);
  if (lease.cancelled && !allowCancelled) throw new StoreError("cancelled", `job ${job.id} was cancelled; stop`);
  return lease;
}

export function planRenew(job: JobRecord | undefined, leaseId: string, epoch: number, now: EpochMs, ttlMs: number): JobRecord {
  const lease = checkFence(job, leaseId, epoch, now, false);
  const expiresAt = Math.max(lease.expiresAt, now + ttlMs);
  return { ...job!, lease: { ...lease, expiresAt }, updatedAt: now, version: job!.version + 1 };
}

export function addCost(a: Cost, b: Partial<Cost> | undefined): Cost {
  return {
    usd: a.usd + (b?.usd ?? 0),
    tokensIn: a.tokensIn + (b?.tokensIn ?? 0),
    tokensOut: a.tokensOut + (b?.tokensOut ?? 0),
    wallMs: a.wallMs + (b?.wallMs ?? 0),
  };
}

export function applyPatch(job: JobRecord, patch: JobPatch | undefined): void {
  if (!patch) return;
  if (patch.blockedReasons !== undefined) job.blockedReasons = [...patch.blockedReasons];
  if (patch.pendingReason === null) delete job.pendingReason;
  else if (patch.pendingReason !== undefined) job.pendingReason = patch.pendingReason;
  if (patch.decision !== undefined) job.decision = patch.decision;
  if (patch.notBefore === null) delete job.notBefore;
  else if (patch.notBefore !== undefined) job.notBefore = patch.notBefore;
  if (patch.deps !== undefined) job.deps = [...patch.deps];
  if (patch.approvals !== undefined) job.approvals = [...patch.approvals];
  if (patch.addCost !== undefined) job.cost = addCost(job.cost, patch.addCost);
  if (patch.budget !== undefined) job.manifest = { ...job.manifest, budget: { ...patch.budget } };
  if (patch.liveCost !== undefined) {
    const prev = job.liveCost?.leaseId === patch.liveCost.leaseId ? job.liveCost.cost : ZERO_COST;
    const now = addCost(ZERO_COST, patch.liveCost.cost);
    job.cost = addCost(job.cost, subCost(now, prev));
    job.liveCost = { leaseId: patch.liveCost.leaseId, cost: now };
    if (patch.liveCost.throughSeq !== undefined) job.liveCost.throughSeq = patch.liveCost.throughSeq;
  }
  if (patch.countAttempt) job.attempts += 1;
  if (patch.countLeaseLoss) job.leaseLosses += 1;
  if (patch.delivery === null) delete job.delivery;
  else if (patch.delivery !== undefined) job.delivery = clean(patch.delivery);
  if (patch.protectedPaths === null) delete job.protectedPaths;
  else if (patch.protectedPaths !== undefined) job.protectedPaths = patch.protectedPaths.map((m) => ({ ...m }));
}

function subCost(a: Cost, b: Cost): Cost {
  return { usd: a.usd - b.usd, tokensIn: a.tokensIn - b.tokensIn, tokensOut: a.tokensOut - b.tokensOut, wallMs: a.wallMs - b.wallMs };
}

function assertHops(from: Stage, hops: Stage[]): void {
  let at = from;
  for (const to of hops) {
    if (to === at) continue;
    const check = canTransition(at, to);
    if (!check.ok) throw new StoreError("illegal_transition", check.reason, { details: { from: at, to } });
    at = to;
  }
}

export interface CompletePlan {
  job: JobRecord;
  run: RunRecord;
  /** the lease-history record of the ended lease (`completed`, or `cancelled` if an operator moved the job) */
  lease: LeaseRecord;
}

/**
 * `existingRun` is the run of req.leaseId (undefined if none). Returns `duplicate` when that run was
 * already ended by the agent: the second complete must write nothing and answer the recorded run.
 */
export function planComplete(
  job: JobRecord | undefined,
  existingRun: RunRecord | undefined,
  req: CompleteRequest,
): CompletePlan | { duplicate: RunRecord } {
  if (existingRun && existingRun.epoch === req.epoch && existingRun.endedBy === "agent") return { duplicate: existingRun };
  const lease = checkFence(job, req.leaseId, req.epoch, req.now, true);
  if (!existingRun) throw new StoreError("lease_lost", `no run for lease ${req.leaseId}`);
  const next: JobRecord = { ...job!, updatedAt: req.now, version: job!.version + 1 };
  if (!lease.cancelled) {
    assertHops(job!.stage, [...(req.next.via ?? []), req.next.stage]);
    next.stage = req.next.stage;
    if (req.next.countAttempt) next.attempts += 1;
    if (req.next.notBefore !== undefined) next.notBefore = req.next.notBefore;
    applyPatch(next, req.next.patch);
  }
  delete next.lease;
  // Live cost events of this attempt are already in the job's cost (budgets): the run records the
  // whole attempt (the final report, else what the events said), the job adds only the rest.
  const live = job!.liveCost?.leaseId === req.leaseId ? job!.liveCost.cost : ZERO_COST;
  delete next.liveCost;
  const wallMs = req.result.cost?.wallMs ?? req.now - existingRun.startedAt;
  const reported = req.result.cost ?? live;
  const runCost = addCost(ZERO_COST, { usd: reported.usd, tokensIn: reported.tokensIn, tokensOut: reported.tokensOut, wallMs });
  next.cost = addCost(next.cost, subCost(runCost, { ...live, wallMs: 0 }));
  const run: RunRecord = { ...existingRun, endedAt: req.now, endedBy: "agent", outcome: req.result.outcome, cost: runCost };
  const r = req.result;
  if (r.exitCode !== undefined) run.exitCode = r.exitCode;
  if (r.verify !== undefined) run.verify = r.verify;
  if (r.scope !== undefined) run.scope = r.scope;
  if (r.commits !== undefined) run.commits = r.commits;
  if (r.artifacts !== undefined) run.artifacts = r.artifacts;
  if (r.delivery !== undefined) run.delivery = r.delivery;
  return { job: next, run, lease: openLeaseRecordOf(job!, { state: lease.cancelled ? "cancelled" : "completed", at: req.now })! };
}

/** The guards of a coordinator write: the job exists, has the version it was read at, is in `from`. */
function guardWrite(job: JobRecord | undefined, jobId: string, req: { from?: Stage[]; expectedVersion?: number }, to?: Stage): JobRecord {
  if (!job) throw new StoreError("not_found", `no job ${jobId}`);
  if (req.expectedVersion !== undefined && req.expectedVersion !== job.version) {
    throw new StoreError("conflict", `job ${jobId} changed (version ${job.version}, expected ${req.expectedVersion})`);
  }
  if (req.from && !req.from.includes(job.stage)) {
    throw new StoreError("illegal_transition", `job ${jobId} is ${job.stage}, expected one of ${req.from.join(", ")}`, {
      details: { from: job.stage, to: to ?? job.stage },
    });
  }
  return job;
}

export function planTransition(current: JobRecord | undefined, jobId: string, req: TransitionRequest): JobRecord {
  const job = guardWrite(current, jobId, req, req.to);
  if (req.to === "assigned" && job.stage !== "assigned") {
    throw new StoreError("illegal_transition", "only a claim assigns a job", { details: { from: job.stage, to: req.to } });
  }
  // Same stage: not a transition, only the patch applies (e.g. a new scheduler explanation).
  if (req.to !== job.stage) assertHops(job.stage, [req.to]);
  const next: JobRecord = { ...job, stage: req.to, updatedAt: req.now, version: job.version + 1 };
  applyPatch(next, req.patch);
  // Leaving the leased stages while a lease is held: the agent must be told to stop (renew → cancelled).
  if (job.lease && LEASED_STAGES.includes(job.stage) && !LEASED_STAGES.includes(req.to)) {
    next.lease = { ...job.lease, cancelled: true };
  }
  return next;
}

/**
 * A same-stage write (live cost, a new scheduler explanation): guarded by `from` and expectedVersion
 * like a transition, but it never changes the stage, so it never cancels a lease.
 */
export function planPatch(current: JobRecord | undefined, jobId: string, req: PatchRequest): JobRecord {
  const job = guardWrite(current, jobId, req);
  const next: JobRecord = { ...job, updatedAt: req.now, version: job.version + 1 };
  applyPatch(next, req.patch);
  return next;
}

/** The events a transition writes with its stage change: the legacy single `event`, then `events`. */
export function transitionEvents(req: Pick<TransitionRequest, "event" | "events">): NewEvent[] {
  return [...(req.event ? [req.event] : []), ...(req.events ?? [])];
}

export interface SequencedEvents {
  /** what the caller gets back, in request order (a repeated agent event: the stored one) */
  out: EventRecord[];
  /** the new records to store, seq ascending from `afterSeq + 1` with no gap */
  fresh: EventRecord[];
  /** the job's last seq after these */
  lastSeq: number;
}

/**
 * Numbers a batch of events of one job after `afterSeq`. Idempotent on (leaseId, agentSeq): `known`
 * answers the stored event of a key (the provider's index), and a key repeated inside the batch is
 * stored once. `fenceLeaseId` is the lease an agent's batch arrived under (its events carry it).
 */
export function sequenceEvents(
  job: Pick<JobRecord, "id" | "productId">,
  afterSeq: number,
  events: NewEvent[],
  fenceLeaseId: string | undefined,
  known: (leaseId: string, agentSeq: number) => EventRecord | undefined,
): SequencedEvents {
  const out: EventRecord[] = [];
  const fresh: EventRecord[] = [];
  const inBatch = new Map<string, EventRecord>();
  let seq = afterSeq;
  for (const e of events) {
    const leaseId = e.leaseId ?? fenceLeaseId;
    const key = leaseId !== undefined && e.agentSeq !== undefined ? `${leaseId}\u0000${e.agentSeq}` : undefined;
    const dup = key !== undefined ? (inBatch.get(key) ?? known(leaseId!, e.agentSeq!)) : undefined;
    if (dup) {
      out.push(dup);
      continue;
    }
    seq += 1;
    const rec: EventRecord = { jobId: job.id, productId: job.productId, seq, type: e.type, at: e.at, data: e.data ?? {} };
    if (leaseId !== undefined) rec.leaseId = leaseId;
    if (e.agentSeq !== undefined) rec.agentSeq = e.agentSeq;
    if (key !== undefined) inBatch.set(key, rec);
    out.push(rec);
    fresh.push(rec);
  }
  return { out, fresh, lastSeq: seq };
}

export interface ReapPlan {
  job: JobRecord;
  run: RunRecord | undefined;
  leaseId: string;
  epoch: number;
  cancelled: boolean;
  /** the lease-history record of the ended lease (`expired`, or `cancelled`) */
  lease: LeaseRecord;
}

/** null when the job's lease is absent or not yet expired at `now` (a renew won the race). */
export function planReap(
  job: JobRecord,
  run: RunRecord | undefined,
  now: EpochMs,
  decide: (job: JobRecord) => ReapDecision,
): ReapPlan | null {
  const lease = job.lease;
  if (!lease || lease.expiresAt > now) return null;
  const next: JobRecord = { ...job, updatedAt: now, version: job.version + 1 };
  delete next.lease;
  // What the live cost events counted stays counted (it was spent); it is no longer "live".
  delete next.liveCost;
  if (!lease.cancelled) {
    const d = decide(job);
    next.leaseLosses += 1;
    if (d.countAttempt) next.attempts += 1;
    if (canTransition(job.stage, d.to).ok) next.stage = d.to;
    if (d.notBefore !== undefined) next.notBefore = d.notBefore;
  }
  let endedRun: RunRecord | undefined;
  if (run && run.endedAt === undefined) {
    endedRun = { ...run, endedAt: now, endedBy: "lease_expired", cost: { ...run.cost, wallMs: now - run.startedAt } };
    next.cost = addCost(next.cost, { wallMs: now - run.startedAt });
  }
  const ended = openLeaseRecordOf(job, { state: lease.cancelled ? "cancelled" : "expired", at: now })!;
  return { job: next, run: endedRun, leaseId: lease.id, epoch: lease.epoch, cancelled: lease.cancelled === true, lease: ended };
}

/** JSON round trip without `undefined` members, so both providers return identical shapes. */
export function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
