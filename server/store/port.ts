import "server-only";
import type { Budget, Manifest, Stage } from "@/lib/types";
import type { JobOrder } from "./rules/job-order";
import type { AlertStateRecord, DeliveryRecord } from "./ops-records";
import type { TrackerSyncRecord } from "./tracker-records";
import type { WebhookDeliveryRecord, WebhookDeliveryStats } from "./webhook-records";
import type {
  ApiTokenRecord,
  EnrollmentTokenRecord,
  AttemptResult,
  Cost,
  DeliveryTask,
  EpochMs,
  EventRecord,
  FactoryRecord,
  FactoryStatus,
  FairnessCounters,
  FollowUpOf,
  JobDelivery,
  JobLease,
  JobRecord,
  LeaseRecord,
  LogChunkRecord,
  LogStream,
  OperationsSettings,
  ProfileRef,
  ProfileSnapshot,
  RecentEvent,
  Role,
  RunRecord,
  RunVersions,
  Settings,
  Station,
  UserRecord,
} from "./records";

/**
 * The store port: named by intent, no SDK type anywhere. Two providers implement it (sqlite/,
 * cosmos/) and both pass contract/ unchanged.
 *
 * Concurrency model, shared by every method:
 * - Every state-changing method is ONE conditional write on the job (SQLite: a `BEGIN IMMEDIATE`
 *   transaction; Cosmos: replace with If-Match on the etag). Several app instances may call the same
 *   store at once; nothing relies on in-process state for correctness.
 * - Fencing: a lease is *valid* for a write when the job's current lease has the same `id` and
 *   `epoch`, and (for renew, events, logs, complete) `now < expiresAt`. Anything else is `lease_lost`.
 * - `now` is always passed in (the coordinator's clock); the store never reads the time itself except
 *   as a fallback for `updatedAt` bookkeeping when a method has no `now`.
 * - Failure modes are typed: StoreError {code} (errors.ts); a lost claim race is `null`, not an error.
 */

export interface NewJob {
  /** used when there is no idempotency key; with a key the store derives the id (see submitJob) */
  id?: string;
  productId: string;
  title: string;
  body: string;
  manifest: Manifest;
  contentHash: string;
  idempotencyKey?: string;
  /** `queued`, or `blocked` when deps are unmet (the coordinator decides) */
  stage: Extract<Stage, "queued" | "blocked" | "paused">;
  deps: string[];
  depKeys: string[];
  blockedReasons?: string[];
  pendingReason?: string;
  delivery?: JobDelivery;
  task?: DeliveryTask;
  /** a follow-up of the review loop: the job whose branch it continues */
  followUpOf?: FollowUpOf;
  now: EpochMs;
}

export interface SubmitResult {
  job: JobRecord;
  /** false when an identical job with the same idempotency key already existed */
  created: boolean;
}

export interface ClaimRequest {
  jobId: string;
  /** compare-and-set against the version the scheduler saw; omit to claim whatever is queued */
  expectedVersion?: number;
  factoryId: string;
  engine: string;
  leaseId: string;
  ttlMs: number;
  now: EpochMs;
  decision?: unknown;
  profile?: ProfileRef;
  /** the engine and tool versions the claimer advertised: stored on the lease and its run */
  versions?: RunVersions;
  /**
   * Events recorded with the grant (`decision:made`, `lease:granted`…), built from it (epoch,
   * expiry), in the same atomic write as the grant (SQLite: the claim's transaction; Cosmos: the
   * job document's outbox). Not called when the claim is refused.
   */
  events?: (grant: ClaimGrant) => NewEvent[];
}

export interface ClaimGrant {
  job: JobRecord;
  lease: JobLease;
  run: RunRecord;
}

export interface ClaimCandidateQuery {
  productIds?: string[];
  now: EpochMs;
  limit: number;
}

export interface Fence {
  leaseId: string;
  epoch: number;
}

export interface NewEvent {
  type: string;
  at: EpochMs;
  data?: unknown;
  leaseId?: string;
  agentSeq?: number;
}

export interface NewLogChunk {
  /** the agent's per-lease sequence number; a repeated seq is a no-op */
  seq: number;
  stream: LogStream;
  text: string;
  at: EpochMs;
}

/** Fields the coordinator may change on a job together with a stage change. */
export interface JobPatch {
  blockedReasons?: string[];
  /** null clears */
  pendingReason?: string | null;
  decision?: unknown;
  /** null clears */
  notBefore?: EpochMs | null;
  deps?: string[];
  approvals?: string[];
  /** added to the job's cost */
  addCost?: Partial<Cost>;
  /** replaces manifest.budget (a person raised the ceiling on resume) */
  budget?: Budget;
  /**
   * The running attempt's cost so far (the sum of its cost events), as an absolute value: the job's
   * cost grows by the difference from the last value recorded for that lease, so a repeated report
   * never counts twice. completeAttempt then adds only what the final report adds beyond it.
   * `throughSeq`: the highest agent seq of the lease's cost events this total counts (kept on the
   * job, so the next batch adds only its later events without re-reading the event log).
   */
  liveCost?: { leaseId: string; cost: Partial<Cost>; throughSeq?: number };
  /** count one more attempt against retry.max (a reclaim whose policy counts lease losses) */
  countAttempt?: boolean;
  /** count one more lease lost (a reclaim after its factory went offline) */
  countLeaseLoss?: boolean;
  /** replaces the job's delivery record (null removes it) */
  delivery?: JobDelivery | null;
  /** replaces the files protected paths caught (null removes them) */
  protectedPaths?: { file: string; glob: string }[] | null;
}

export interface CompleteRequest {
  leaseId: string;
  epoch: number;
  now: EpochMs;
  result: AttemptResult;
  next: {
    stage: Stage;
    /** intermediate stages, each hop checked by canTransition (building → review → testing) */
    via?: Stage[];
    notBefore?: EpochMs;
    /** count this attempt against retry.max */
    countAttempt: boolean;
    patch?: JobPatch;
  };
  /** written in the same atomic write as the completion's job write (like TransitionRequest.events) */
  events?: NewEvent[];
}

export interface CompleteResult {
  job: JobRecord;
  run: RunRecord;
  /** true when this (leaseId, epoch) had already completed: nothing was written, the recorded run is returned */
  duplicate: boolean;
}

export interface TransitionRequest {
  /** allowed current stages; omit for any */
  from?: Stage[];
  to: Stage;
  expectedVersion?: number;
  now: EpochMs;
  patch?: JobPatch;
  /** one event, written before `events` (kept for older callers; prefer `events`) */
  event?: NewEvent;
  /** written in the same atomic write as the stage change: both land, or neither does */
  events?: NewEvent[];
}

/** A same-stage write of a job (live cost, a new explanation); see Store.patchJob. */
export interface PatchRequest {
  /** allowed current stages; omit for any */
  from?: Stage[];
  expectedVersion?: number;
  now: EpochMs;
  patch: JobPatch;
  /** written in the same atomic write as the patch: both land, or neither does */
  events?: NewEvent[];
}

export interface ReapDecision {
  to: "queued" | "dead_letter";
  notBefore?: EpochMs;
  countAttempt: boolean;
}

export interface ReapedLease {
  jobId: string;
  productId: string;
  leaseId: string;
  epoch: number;
  /** the stage the job went to; for a cancelled lease the job keeps the stage the operator chose */
  stage: Stage;
}

export interface JobFilter {
  stage?: Stage | Stage[];
  productId?: string;
  profile?: string;
  /** jobs whose current lease is held by this factory */
  factoryId?: string;
  /** case-insensitive substring of the title */
  q?: string;
  /** jobs that depend on this job id */
  dependsOn?: string;
  /** the job holding this pull request (delivery.pr; owner and repo compared case-insensitively, as the forge does) */
  pullRequest?: { owner: string; repo: string; number: number };
  /** jobs from a tracker of this kind (`tracker-item` prefix), from any tracker, or from none (issue 16 item 7) */
  tracker?: TrackerFilter;
  /** case-insensitive substring of the job's `tracker-item` (`acme/shop#12`, `ENG-4`) */
  trackerItem?: string;
}

export type TrackerFilter = "github" | "linear" | "any" | "none";

export interface PruneRequest {
  what: "logs" | "events";
  terminalBefore: EpochMs;
  limit: number;
}

/**
 * One record of a restore (`fleet import-archive`), in archive order: a job, then its ended runs
 * (each with its lease-history record), its events (seq order) and its log chunks (pos order).
 */
export type RestoreRecord =
  | { kind: "job"; job: JobRecord }
  | { kind: "run"; run: RunRecord; lease: LeaseRecord }
  | { kind: "event"; event: EventRecord }
  | { kind: "log"; log: LogChunkRecord };

export interface Page<T> {
  items: T[];
  /** opaque; absent on the last page */
  nextCursor?: string;
}

export interface NewFactory {
  id: string;
  productId: string;
  name: string;
  os: string;
  arch: string;
  capabilities: string[];
  stations: Station[];
  version: string;
  tokenHash: string;
  warm?: string[];
  costPerHour?: number;
  /** true: status pending, held until an admin approves it (FLEET_APPROVE_NEW_FACTORIES); else online */
  pending?: boolean;
  now: EpochMs;
}

export interface HeartbeatRequest {
  load: number;
  free: Station[];
  running: { leaseId: string; epoch: number }[];
  /** each of these three, when absent, keeps what the record has */
  capabilities?: string[];
  warm?: string[];
  costPerHour?: number;
  now: EpochMs;
}

export interface NewApiToken {
  id: string;
  productId: string;
  name: string;
  role: Role;
  tokenHash: string;
  now: EpochMs;
}

export interface NewEnrollmentToken {
  id: string;
  productId: string;
  name: string;
  tokenHash: string;
  createdBy: string;
  expiresAt?: EpochMs;
  maxUses?: number;
  now: EpochMs;
}

export interface UserInput {
  id: string;
  productId: string;
  name: string;
  role: Role;
  passwordHash?: string;
  provider?: string;
  login?: string;
  email?: string;
  now: EpochMs;
}

/** Every store call counted by kind (method name) since open or the last reset. */
export type OpCounts = Record<string, number>;

export interface Store {
  readonly kind: "sqlite" | "cosmos";

  // ── jobs ───────────────────────────────────────────────────────────────────────────────────────
  /**
   * Creates a job, idempotently. With an idempotency key the job id is derived from (productId, key)
   * (`jobIdForKey`), so the create itself is the atomic check on both providers: same key and same
   * contentHash → `{job: existing, created: false}`; same key, other content → StoreError `conflict`
   * (details.jobId). Without a key: a duplicate `id` is `conflict`.
   * Concurrency: two racing submits of the same key create exactly one job.
   */
  submitJob(job: NewJob): Promise<SubmitResult>;

  /**
   * Grants a lease on one queued job: stage → `assigned`, epoch + 1, a run record and a lease-history
   * record are created, the product's fairness counters move. Returns null when the job is no longer
   * claimable (not queued, notBefore in the future, expectedVersion stale, its `lock` held by another
   * job's lease, or another claimer won the race) — the caller tries the next candidate.
   * Concurrency: one conditional write; of N racing claimers exactly one gets a grant. Jobs sharing
   * a manifest `lock` never hold leases at the same time, fleet-wide. `events` ride on the grant
   * (same transaction on SQLite), so a claim is one store round trip, not a claim then an append.
   */
  claimJob(req: ClaimRequest): Promise<ClaimGrant | null>;

  /**
   * Queued jobs with notBefore ≤ now, by priority (critical first) then age (oldest first), up to
   * `limit`. A snapshot: a candidate may be gone by the time you claim it (claimJob answers null).
   * Concurrency: read-only, no lock.
   */
  listClaimCandidates(q: ClaimCandidateQuery): Promise<JobRecord[]>;

  /**
   * Extends a valid lease to now + ttlMs and returns the new expiry. `lease_lost` when the lease is
   * not the job's current one (stale epoch, reaped, expired); `cancelled` when an operator cancelled
   * the job (the agent must stop). Concurrency: conditional on the job version; a renew that races
   * the sweeper either wins (the lease lives) or gets `lease_lost`.
   */
  renewLease(leaseId: string, epoch: number, now: EpochMs, ttlMs: number): Promise<{ expiresAt: EpochMs }>;

  /**
   * Appends events to a job's log and returns them with their per-job `seq` (1..n, no gaps).
   * Idempotent on (leaseId, agentSeq): a repeated agent event returns the stored one and writes
   * nothing. With a fence the lease must be valid for writes (a cancelled lease may still report);
   * otherwise `lease_lost`. Concurrency: appends of one job are serialized; different jobs don't
   * contend.
   */
  appendEvents(jobId: string, events: NewEvent[], fence?: Fence & { now: EpochMs }): Promise<EventRecord[]>;

  /** Events of one job with seq > afterSeq, in seq order. Read-only. */
  readEvents(jobId: string, afterSeq: number, limit: number): Promise<EventRecord[]>;

  /**
   * Fleet-wide events appended after `afterCursor` (omit for the latest `limit`), oldest first, for
   * a dashboard stream that polls the store (works across app instances). Read-only.
   */
  readRecentEvents(afterCursor: string | undefined, limit: number): Promise<RecentEvent[]>;

  /**
   * Stores log chunks of a valid (or cancelled) lease. Idempotent on (leaseId, seq).
   * `lease_lost` for a stale fence. Concurrency: like appendEvents.
   */
  appendLog(jobId: string, fence: Fence & { now: EpochMs }, chunks: NewLogChunk[]): Promise<void>;

  /** Log chunks of all attempts of a job with pos > afterPos, in order. Read-only. */
  readLog(jobId: string, afterPos: number, limit: number): Promise<LogChunkRecord[]>;

  /**
   * Records the one terminal result of an attempt and moves the job to `next.stage`; ends the run and
   * the lease, releases the job's lock, adds the cost. Exactly one result per (job, epoch): a second
   * complete for the same lease returns the recorded run with `duplicate: true` and writes nothing; a
   * stale or expired lease gets `lease_lost`. A cancelled lease completes without changing the stage
   * the operator chose. Concurrency: conditional on the job version; racing completes record one.
   */
  completeAttempt(req: CompleteRequest): Promise<CompleteResult>;

  /**
   * Moves a job to another stage, guarded by lib/stages canTransition (→ `illegal_transition`), by
   * `from` (→ `illegal_transition`) and by expectedVersion (→ `conflict`). Leaving a leased stage
   * (assigned/building) for anything but building marks the lease cancelled (renew says `cancelled`).
   * `event` / `events` are written in the same atomic write: a refused or failed transition leaves
   * no event, and a transition never lands without its events (SQLite: one transaction; Cosmos: the
   * events ride in the job document, see cosmos/event-outbox.ts).
   * Concurrency: one conditional write on the job.
   */
  transitionStage(jobId: string, req: TransitionRequest): Promise<JobRecord>;

  /**
   * Changes a job without changing its stage (live cost, the scheduler's latest explanation), with
   * its events in the same atomic write. Guarded by `from` (→ `illegal_transition`) and
   * expectedVersion (→ `conflict`); `not_found` for an unknown job. Never cancels a lease.
   * Concurrency: one conditional write on the job, like transitionStage.
   */
  patchJob(jobId: string, req: PatchRequest): Promise<JobRecord>;

  /**
   * For every lease with expiresAt ≤ now: ends it (run outcome by `lease_expired`), releases the lock,
   * and moves the job where `decide(job)` says (a cancelled lease ends without asking). Each job is
   * its own conditional write, so a renew that wins the race keeps its lease and is not reaped.
   * Returns what was reaped. Concurrency: several sweepers may run; each lease is reaped once.
   */
  reapExpiredLeases(now: EpochMs, decide: (job: JobRecord) => ReapDecision): Promise<ReapedLease[]>;

  /**
   * Keyset-paged list in `order` (default createdAt desc: newest first), with an opaque cursor that
   * belongs to that order (another order's cursor → `invalid_cursor`). Every job appears once across
   * the pages of one order while jobs are added; a job whose sort value changes between two pages
   * (updatedAt, stage) may move past the cursor. Read-only.
   */
  listJobs(filter: JobFilter, cursor: string | undefined, limit: number, order?: JobOrder): Promise<Page<JobRecord>>;
  getJob(jobId: string): Promise<JobRecord | undefined>;
  getJobByKey(productId: string, idempotencyKey: string): Promise<JobRecord | undefined>;
  /** Jobs whose resolved `deps` contain jobId. Read-only. */
  listDependents(jobId: string): Promise<JobRecord[]>;
  /** Runs of a job, by attempt. Read-only. */
  listRuns(jobId: string): Promise<RunRecord[]>;
  /** Lease history of a job, by epoch. Read-only. */
  listLeases(jobId: string): Promise<LeaseRecord[]>;
  /**
   * lock name → id of the job whose lease holds it, for those of `locks` that are held now (a claim
   * path or a job view explains a waiting job with it). Read-only, a snapshot.
   */
  lockHolders(locks: string[]): Promise<Record<string, string>>;
  /** When the last log chunk of attempt `epoch` of a job was stored; undefined when it logged nothing. Read-only. */
  lastLogAt(jobId: string, epoch: number): Promise<EpochMs | undefined>;
  /** Read-only; stages with no job are absent. */
  countJobsByStage(productId?: string): Promise<Partial<Record<Stage, number>>>;

  // ── factories ──────────────────────────────────────────────────────────────────────────────────
  /** Creates a factory (status online). Duplicate id → `conflict`. */
  registerFactory(f: NewFactory): Promise<FactoryRecord>;
  /** Records load/free/running and lastHeartbeatAt; an `offline` factory comes back `online`.
   * `not_found` for an unknown factory. Last writer wins (heartbeats of one factory are sequential). */
  heartbeat(factoryId: string, hb: HeartbeatRequest): Promise<FactoryRecord>;
  /** Last writer wins, except that `revoked` is final (→ `conflict`). */
  setFactoryStatus(factoryId: string, status: FactoryStatus, now: EpochMs): Promise<FactoryRecord>;
  listFactories(productId?: string): Promise<FactoryRecord[]>;
  getFactory(factoryId: string): Promise<FactoryRecord | undefined>;
  getFactoryByTokenHash(tokenHash: string): Promise<FactoryRecord | undefined>;

  // ── API tokens and users ───────────────────────────────────────────────────────────────────────
  createApiToken(t: NewApiToken): Promise<ApiTokenRecord>;
  findApiTokenByHash(tokenHash: string): Promise<ApiTokenRecord | undefined>;
  /** Idempotent; `not_found` for an unknown id. */
  revokeApiToken(id: string, now: EpochMs): Promise<ApiTokenRecord>;
  listApiTokens(): Promise<ApiTokenRecord[]>;
  /** Creates or replaces (last writer wins). */
  upsertUser(u: UserInput): Promise<UserRecord>;
  getUser(id: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  setUserRole(id: string, role: Role, now: EpochMs): Promise<UserRecord>;

  // ── enrollment tokens (rules/enrollment.ts) ────────────────────────────────────────────────────
  /** Duplicate id or hash → `conflict`. */
  createEnrollmentToken(t: NewEnrollmentToken): Promise<EnrollmentTokenRecord>;
  findEnrollmentTokenByHash(tokenHash: string): Promise<EnrollmentTokenRecord | undefined>;
  listEnrollmentTokens(): Promise<EnrollmentTokenRecord[]>;
  /**
   * Counts one registration against the token and returns it. `conflict` (details.reason `revoked`,
   * `expired` or `used_up`) when it may not register now; `not_found` for an unknown id.
   * Concurrency: conditional on the stored record, so of N racing uses of a token with k uses left
   * exactly k succeed.
   */
  useEnrollmentToken(id: string, now: EpochMs): Promise<EnrollmentTokenRecord>;
  /** Idempotent (a second revoke answers the first); `not_found` for an unknown id. */
  revokeEnrollmentToken(id: string, now: EpochMs): Promise<EnrollmentTokenRecord>;

  // ── webhook deliveries (rules/webhook-deliveries.ts) ───────────────────────────────────────────
  /**
   * Records that a forge's delivery was taken. True when this call recorded it; false when it was
   * recorded before (a replay). Concurrency: first writer wins, so of racing requests carrying one
   * delivery id exactly one gets true.
   */
  recordWebhookDelivery(d: Omit<WebhookDeliveryRecord, "id">): Promise<boolean>;
  /** Forgets a taken delivery (its handling failed, so a redelivery must be handled). Idempotent. */
  forgetWebhookDelivery(id: string): Promise<void>;
  /** Retention: deletes up to `limit` delivery records received before `before`, oldest first; returns how many. Idempotent. */
  pruneWebhookDeliveries(before: EpochMs, limit: number): Promise<number>;
  /**
   * Per source (github, linear): how many deliveries were taken at or after `since`, and when the
   * latest kept one arrived (the Admin page's webhook health; retention bounds what is kept). A
   * forgotten delivery (its handling failed) is not counted. Read-only.
   */
  webhookDeliveryStats(since: EpochMs): Promise<WebhookDeliveryStats[]>;

  // ── tracker write-back outbox (rules/tracker-sync.ts; issue 16) ────────────────────────────────
  getTrackerSync(id: string): Promise<TrackerSyncRecord | undefined>;
  /**
   * `expectedVersion: null` creates (false when the id exists); otherwise replaces when the stored
   * version equals it (false: another instance wrote first). Stores version + 1.
   */
  saveTrackerSync(rec: TrackerSyncRecord, expectedVersion: number | null): Promise<boolean>;
  /** Records whose wanted state is not yet delivered and whose next attempt is due by `dueBy`, soonest first. Read-only. */
  listTrackerSyncDue(dueBy: EpochMs, limit: number): Promise<TrackerSyncRecord[]>;
  /** How many records wait for delivery (the Admin page's outbox backlog). Read-only. */
  countTrackerSyncPending(): Promise<number>;

  // ── settings, profiles, fairness ───────────────────────────────────────────────────────────────
  getSettings(): Promise<Settings>;
  /** Conditional on the settings version internally (retried), so concurrent toggles never lose a paused product. */
  setKillSwitch(k: { on: boolean; reason: string; by: string; now: EpochMs }): Promise<Settings>;
  setProductPaused(productId: string, paused: boolean): Promise<Settings>;
  /** Idempotent on (productId, name, version). */
  saveProfileSnapshot(p: ProfileSnapshot): Promise<ProfileSnapshot>;
  getProfileSnapshot(productId: string, name: string, version: string): Promise<ProfileSnapshot | undefined>;
  /** Claims granted, leases running now and usage per product (usage grows at complete/reap by the run's wall time). */
  fairnessCounters(): Promise<FairnessCounters[]>;

  // ── operations: alert episodes, the alert outbox, operator settings (issue 13) ─────────────────
  /** Open alert episodes. Read-only. */
  listAlertStates(): Promise<AlertStateRecord[]>;
  /**
   * `expectedVersion: null` creates (false when the id exists: another instance opened it first);
   * otherwise replaces when the stored version equals it (false: lost the race). Stores version + 1.
   */
  saveAlertState(state: AlertStateRecord, expectedVersion: number | null): Promise<boolean>;
  /** Deletes when the stored version equals expectedVersion; false otherwise (or when absent). */
  deleteAlertState(id: string, expectedVersion: number): Promise<boolean>;
  /** Idempotent on each record's id: an existing delivery is left as it is. */
  enqueueDeliveries(deliveries: DeliveryRecord[]): Promise<void>;
  /** With `dueBy`: pending deliveries with nextAttemptAt ≤ dueBy, soonest first; else the newest. Read-only. */
  listDeliveries(q: { dueBy?: EpochMs; limit: number }): Promise<DeliveryRecord[]>;
  /** Replaces when the stored version equals expectedVersion (false: another sender took it). Stores version + 1. */
  saveDelivery(delivery: DeliveryRecord, expectedVersion: number): Promise<boolean>;
  /**
   * Retention: deletes the log chunks (`logs`) or the events (`events`) of up to `limit` jobs that
   * are in a terminal stage (shipped, dead_letter, cancelled) and were last written before
   * `terminalBefore`, and returns their ids. A job in any other stage is never touched; the job
   * document itself stays. Call again for the next batch (a pruned job no longer qualifies).
   * Concurrency: each job's deletion is idempotent; two sweepers may prune the same job harmlessly.
   */
  pruneJobHistory(req: PruneRequest): Promise<string[]>;
  /**
   * Restore (`fleet import-archive`): writes archived records back exactly as given, byte for byte,
   * into a store that has no job; the caller has checked them (server/retention/archive-format.ts)
   * and rules/restore.ts checks again what the store relies on. All or nothing: SQLite runs the
   * whole restore in one BEGIN IMMEDIATE (nothing else may use this handle until it returns);
   * Cosmos writes each job's runs, events and logs before its job document and, when anything
   * fails, deletes every document it wrote. `conflict` when the store already has a job (on SQLite
   * decided inside the transaction) or an id is taken. Returns the number of jobs written.
   */
  restoreJobs(records: AsyncIterable<RestoreRecord>): Promise<number>;
  /** Replaces the operator settings of the Admin page (alert sinks, SLA, weights, retention). */
  saveOperationsSettings(ops: OperationsSettings): Promise<Settings>;

  // ── bookkeeping ────────────────────────────────────────────────────────────────────────────────
  opCounts(): OpCounts;
  resetOpCounts(): void;
  close(): Promise<void>;
}
