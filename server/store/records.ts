import "server-only";
import type { ArtifactRef } from "@/lib/artifacts";
import type { Manifest, Priority, Stage } from "@/lib/types";

/**
 * The records the store keeps. Plain JSON shapes, no SDK types: both providers return exactly these.
 * Every record carries `productId` (DESIGN.md: the Cosmos partition of most containers, and the unit
 * of fairness). Times are integer milliseconds since the epoch, always taken from the caller's clock
 * (`now` arguments), never from the database's.
 */

export type EpochMs = number;

export interface Cost {
  usd: number;
  tokensIn: number;
  tokensOut: number;
  wallMs: number;
}

export const ZERO_COST: Cost = Object.freeze({ usd: 0, tokensIn: 0, tokensOut: 0, wallMs: 0 }) as Cost;

export interface ProfileRef {
  name: string;
  /** content hash of the profile text at snapshot time */
  version: string;
}

/**
 * The job's current lease. At most one per job (the store's central invariant). `epoch` equals the
 * job's `epoch` at grant time; every fenced write compares both `id` and `epoch`. `cancelled` is set
 * when an operator moves a leased job out of its running stages: renew then answers `cancelled` so
 * the agent stops, but the lease (and the job's `lock`) stay held until the agent completes or the
 * lease expires, because the engine may still be running.
 */
export interface JobLease {
  id: string;
  epoch: number;
  factoryId: string;
  engine: string;
  grantedAt: EpochMs;
  expiresAt: EpochMs;
  cancelled?: boolean;
  /** what the attempt runs with, fixed at the claim (copied to its run) */
  versions?: RunVersions;
}

/**
 * What ran an attempt: the engine's version and the tool versions (`node`, `git`, `pnpm`, each
 * engine CLI…) that the factory advertised when it claimed the job. Kept with the run, so a
 * regression can be tied to a tool upgrade after the fact.
 */
export interface RunVersions {
  /** the version of the engine that ran (absent for `shell`, or when the factory advertised none) */
  engine?: string;
  /** tool name → version, as advertised (`name:version` capabilities) */
  tools: Record<string, string>;
}

/**
 * Where a job's commits went (issue 15; CONTRACT §2 `delivery`): set at submit for a job with a repo
 * and a delivery other than `none`, then filled in by the agent's reports. `task` is the push or
 * merge job in flight for it; `pushError` / `shipError` say why the last one failed.
 */
export interface JobDelivery {
  mode: "pr" | "branch" | "merge";
  branch: string;
  baseBranch?: string;
  /** the head the agent last reported: pushed, or kept locally when `pushError` is set */
  headSha?: string;
  /** the head that last reached the remote (the next push is leased on it) */
  lastPushed?: string;
  /** the factory that holds the local branch (Retry push goes there) */
  factoryId?: string;
  pushedAt?: EpochMs;
  pushError?: { reason: string; message: string };
  mergeSha?: string;
  shipError?: { reason: string; message: string };
  task?: { kind: "push" | "merge"; jobId: string };
  /** the pull request the coordinator opened for a `pr` job on a forge with an adapter (GitHub) */
  pr?: PullRequestRecord;
  /** follow-up jobs the review loop queued on this branch (checks failed, changes requested), oldest first */
  followUps?: string[];
}

/**
 * A job's pull request as last read from the forge (open, poll, or webhook). `checks` sums the
 * head's check runs; `review` the latest review state per reviewer; `mergeableState` is GitHub's
 * own word (clean, dirty, blocked, unstable, behind, draft, unknown).
 */
export interface PullRequestRecord {
  forge: "github";
  owner: string;
  repo: string;
  number: number;
  url: string;
  state: "open" | "closed" | "merged";
  draft: boolean;
  headSha: string;
  mergeable: boolean | null;
  mergeableState: string;
  checks: "none" | "pending" | "passing" | "failing";
  review: "none" | "approved" | "changes_requested";
  mergeSha?: string;
  /** why the last open or merge through the forge failed (reason from GITHUB_REFUSALS) */
  error?: { reason: string; message: string };
  refreshedAt: EpochMs;
}

/** A follow-up job queued by the review loop: which job's branch it continues, and why. */
export interface FollowUpOf {
  of: string;
  reason: "checks_failed" | "changes_requested";
  /** 1 for the first follow-up of `of`, 2 for the next … (bounded by the job's retry policy) */
  round: number;
}

/** A delivery task job: it runs no engine; the agent pushes or merges `of`'s branch with its own git. */
export interface DeliveryTask {
  kind: "push" | "merge";
  /** the job whose branch this delivers */
  of: string;
}

export interface JobRecord {
  id: string;
  productId: string;
  title: string;
  /** the prompt */
  body: string;
  manifest: Manifest;
  /** hash of (manifest, body, title) as submitted: decides idempotent replay vs. conflict */
  contentHash: string;
  idempotencyKey?: string;
  stage: Stage;
  priority: Priority;
  /** the profile snapshot taken at the last claim */
  profile?: ProfileRef;
  /** manifest `lock`, copied out so providers can index it */
  lock?: string;
  /** resolved job ids this job waits for */
  deps: string[];
  /** the manifest's `deps` entries as written (ids or idempotency keys) */
  depKeys: string[];
  blockedReasons: string[];
  pendingReason?: string;
  /** the scheduler's explanation of the last decision (placement or unplaced), JSON */
  decision?: unknown;
  /** attempts counted against `retry.max` */
  attempts: number;
  leaseLosses: number;
  /** increments at every claim; fences every agent write */
  epoch: number;
  lease?: JobLease;
  /** not claimable before this instant (retry backoff) */
  notBefore?: EpochMs;
  cost: Cost;
  /** the part of `cost` that the current attempt's live cost events added (budgets); cleared when it ends */
  liveCost?: { leaseId: string; cost: Cost; throughSeq?: number };
  approvals: string[];
  /** issue 18: the latest green attempt's changed files that protected-path globs caught, each with its glob */
  protectedPaths?: { file: string; glob: string }[];
  delivery?: JobDelivery;
  task?: DeliveryTask;
  /** set on a follow-up job of the review loop */
  followUpOf?: FollowUpOf;
  createdAt: EpochMs;
  updatedAt: EpochMs;
  /** increments at every write of the job; `expectedVersion` arguments compare against it */
  version: number;
}

export type RunOutcome = "succeeded" | "failed" | "timeout" | "cancelled" | "budget_exceeded";

/** How an attempt ended from the store's point of view: the agent reported, or the sweeper reaped. */
export type RunEnd = "agent" | "lease_expired";

export interface VerifyResult {
  passed: boolean;
  exitCode: number;
  output: string;
}

export interface ScopeReport {
  changed: string[];
  outOfScope: string[];
}

/** A run's artifact: the one shape the UI lists too, so it lives in lib/ (client-safe). */
export type { ArtifactRef };

/** What an agent reports when an attempt ends (CONTRACT §2 `complete`). */
export interface AttemptResult {
  outcome: RunOutcome;
  exitCode?: number;
  verify?: VerifyResult;
  scope?: ScopeReport;
  cost?: Partial<Cost>;
  commits?: string[];
  artifacts?: ArtifactRef[];
  /** what the agent did with the commits (pushed branch and head, merge SHA, or why not) */
  delivery?: AttemptDelivery;
}

export interface AttemptDelivery {
  branch: string;
  headSha: string;
  pushed: boolean;
  baseBranch?: string;
  mergeSha?: string;
  error?: { reason: string; message: string };
}

/** One attempt of a job: created at claim, ended exactly once (by the agent or by the sweeper). */
export interface RunRecord {
  /** equals the lease id */
  id: string;
  jobId: string;
  productId: string;
  /** = the job's epoch at claim: 1, 2, 3… */
  attempt: number;
  leaseId: string;
  epoch: number;
  factoryId: string;
  engine: string;
  profile?: ProfileRef;
  startedAt: EpochMs;
  endedAt?: EpochMs;
  endedBy?: RunEnd;
  outcome?: RunOutcome;
  exitCode?: number;
  verify?: VerifyResult;
  scope?: ScopeReport;
  cost: Cost;
  commits?: string[];
  artifacts?: ArtifactRef[];
  /** the engine and tool versions at claim time */
  versions?: RunVersions;
  delivery?: AttemptDelivery;
}

export type LeaseState = "active" | "completed" | "expired" | "cancelled";

/** Lease history: one record per grant. */
export interface LeaseRecord {
  id: string;
  jobId: string;
  productId: string;
  epoch: number;
  factoryId: string;
  engine: string;
  grantedAt: EpochMs;
  expiresAt: EpochMs;
  state: LeaseState;
  endedAt?: EpochMs;
}

/** Append-only, per-job `seq` 1..n with no gaps. `type` is `noun:verb`. */
export interface EventRecord {
  jobId: string;
  productId: string;
  seq: number;
  type: string;
  at: EpochMs;
  data: unknown;
  leaseId?: string;
  /** the agent's per-lease sequence number (CONTRACT §2); (leaseId, agentSeq) is unique */
  agentSeq?: number;
}

/** A fleet-wide event as seen by a dashboard stream; `cursor` is opaque and strictly increasing. */
export interface RecentEvent {
  cursor: string;
  event: EventRecord;
}

export type LogStream = "stdout" | "stderr";

/**
 * A chunk of an attempt's output. `seq` is the agent's per-lease sequence; `pos` orders chunks across
 * all attempts of a job (epoch-major) and is the `afterPos` cursor of `readLog`.
 */
export interface LogChunkRecord {
  jobId: string;
  productId: string;
  leaseId: string;
  epoch: number;
  seq: number;
  pos: number;
  stream: LogStream;
  text: string;
  at: EpochMs;
}

/** pending: registered while FLEET_APPROVE_NEW_FACTORIES is on, held (no work) until an admin approves it */
export type FactoryStatus = "pending" | "online" | "offline" | "draining" | "revoked";

export interface Station {
  engine: string;
  slots: number;
}

export interface FactoryRecord {
  id: string;
  productId: string;
  name: string;
  os: string;
  arch: string;
  capabilities: string[];
  stations: Station[];
  free: Station[];
  load: number;
  version: string;
  tokenHash: string;
  status: FactoryStatus;
  lastHeartbeatAt: EpochMs;
  /** leases the factory reported running at its last heartbeat */
  running: { leaseId: string; epoch: number }[];
  /** warm checkouts (`repo:web`) */
  warm: string[];
  /** USD per hour, as the factory reports it; absent on records written before it existed (= 0) */
  costPerHour?: number;
  registeredAt: EpochMs;
  updatedAt: EpochMs;
}

export type Role = "viewer" | "operator" | "admin";

export interface ApiTokenRecord {
  id: string;
  productId: string;
  name: string;
  role: Role;
  tokenHash: string;
  createdAt: EpochMs;
  revokedAt?: EpochMs;
}

export interface UserRecord {
  /**
   * `admin` (the local admin), `<provider>:<immutable subject>` for OAuth people
   * (server/auth/oauth-admission.ts), or a lower-cased e-mail for users stored before that
   */
  id: string;
  productId: string;
  name: string;
  role: Role;
  passwordHash?: string;
  /** how the user signs in: `credentials` or the next-auth provider id (`github`, `azure-ad`) */
  provider?: string;
  /** the provider's handle (GitHub login, Azure preferred_username), as of the last sign-in: `reviewers` match it */
  login?: string;
  /** a verified e-mail address, when the provider vouched for one */
  email?: string;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/**
 * An enrollment token made on the Admin page, the API or `fleet enrollment-tokens create`, beside
 * the one configured token (FLEET_ENROLLMENT_TOKEN). It may expire and may be good for a number of
 * registrations; only its hash is kept.
 */
export interface EnrollmentTokenRecord {
  id: string;
  productId: string;
  name: string;
  tokenHash: string;
  createdAt: EpochMs;
  createdBy: string;
  expiresAt?: EpochMs;
  /** registrations it allows; absent = no limit */
  maxUses?: number;
  /** registrations it has been used for */
  uses: number;
  revokedAt?: EpochMs;
}

export interface KillSwitch {
  on: boolean;
  reason: string;
  by: string;
  at: EpochMs;
}

export interface Settings {
  killSwitch: KillSwitch;
  pausedProducts: string[];
  /** operator settings from the Admin page (alert sinks, SLA, scheduler weights, retention); absent until first saved */
  operations?: OperationsSettings;
  version: number;
}

/**
 * Operator settings saved on the Admin page. Each part overrides its environment default as a
 * whole; the shapes are validated (lib/api/operations.ts) before they reach the store. Sink secrets
 * are kept here and shown only as "set".
 */
export interface OperationsSettings {
  alerts?: { webhookUrl?: string; webhookSecret?: string; slackUrl?: string; emailTo?: string[]; quietMs?: number };
  slaMs?: Partial<Record<Priority, number>>;
  schedulerWeights?: Record<string, number>;
  retention?: { days?: number; logsDays?: number; eventsDays?: number };
  /** issue 18: globs whose changes always need a person (fleet-wide, plus per product); lib/api/protected-paths.ts */
  protectedPaths?: { globs: string[]; products: Record<string, string[]> };
  updatedAt: EpochMs;
  by: string;
}

export interface ProfileSnapshot {
  productId: string;
  name: string;
  version: string;
  text: string;
  savedAt: EpochMs;
}

/** What the scheduler's fairness scorer needs per product. */
export interface FairnessCounters {
  productId: string;
  claimsGranted: number;
  runningNow: number;
  usageMs: number;
}
