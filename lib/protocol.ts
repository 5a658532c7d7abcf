/**
 * The agent ↔ coordinator wire (CONTRACT §2, factory routes and "What agents send").
 *
 * One set of zod schemas, used on both ends: the coordinator parses request bodies with them, the
 * agent parses responses with them. Every string and array is bounded so an oversized body is
 * refused by the schema itself, before anything reaches the store. Keep the exported names stable:
 * app/api/fleet/* and agent/ both import them.
 *
 * Lease routes are fenced by `epoch`: a stale epoch gets 409 with `code: "lease_lost"` (or
 * `"cancelled"`), after which the agent must stop that job at once.
 */
import { z } from "zod";
import { artifactContentType } from "./artifacts";
import type { Manifest } from "./types";

// ---- bounds (exported so the agent can cut its payloads to fit) ----------------------------------

export const LIMITS = {
  name: 64,
  id: 128,
  version: 64,
  capability: 200,
  capabilities: 256,
  stations: 64,
  slots: 256,
  running: 256,
  /** one log event's text; the agent splits longer output into several events */
  logText: 16_384,
  /** events in one POST /leases/{id}/events */
  eventsPerBatch: 200,
  /** verify output kept (the agent keeps the tail) */
  verifyOutput: 65_536,
  path: 4_096,
  scopePaths: 10_000,
  commits: 1_000,
  artifacts: 100,
  /** inline artifact content (e.g. the diff); larger ones are truncated by the agent */
  artifactContent: 1_048_576,
  prompt: 1_048_576,
  title: 500,
  waitMs: 30_000,
  cancel: 256,
  reason: 1_000,
  /** warm repository checkouts one factory reports */
  warm: 256,
  /** USD per hour a factory says it costs (CONTRACT §3 --cost-per-hour) */
  costPerHour: 10_000,
} as const;

const boundedString = (max: number) => z.string().max(max);
const id = z.string().min(1).max(LIMITS.id);
const epoch = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const isoTime = z.iso.datetime({ offset: true });

/** Engine names: the built-ins (claude, codex, copilot, gemini, devin, aider, shell) or a custom one. */
export const engineName = z
  .string()
  .regex(/^[a-z][a-z0-9._-]{0,31}$/, "engine names are lowercase letters, digits, '.', '_' or '-' (up to 32)");

/** Factory names double as file names on the factory (token file), so keep them path-safe. */
export const factoryName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "factory names use letters, digits, '.', '_' or '-' (up to 64)");

export const station = z.object({
  engine: engineName,
  slots: z.number().int().min(0).max(LIMITS.slots),
});
export type Station = z.infer<typeof station>;

const stations = z.array(station).max(LIMITS.stations);

/** `repo:<name>` for each repository the factory keeps a cache of (the scheduler's warm-checkout term). */
const warmRepos = z.array(boundedString(LIMITS.capability).min(1)).max(LIMITS.warm);
const costPerHour = z.number().min(0).max(LIMITS.costPerHour);

// ---- POST /factories (enrollment token) -----------------------------------------------------------

export const registerRequest = z.object({
  name: factoryName,
  /** `process.platform` mapped to the capability grammar: mac | linux | windows (others kept as is) */
  os: boundedString(32).min(1),
  /** `process.arch`: x64, arm64, … */
  arch: boundedString(32).min(1),
  capabilities: z.array(boundedString(LIMITS.capability).min(1)).max(LIMITS.capabilities),
  stations,
  /** the agent's version (agent/package.json) */
  version: boundedString(LIMITS.version).min(1),
  warm: warmRepos.optional(),
  /** what an hour of this factory costs (USD), for the scheduler's cost-fit term; absent = 0 */
  costPerHour: costPerHour.optional(),
});
export type RegisterRequest = z.infer<typeof registerRequest>;

export const registerResponse = z.object({
  factoryId: id,
  /** the factory token: Bearer for every factory route below */
  token: z.string().min(16).max(512),
  /** optional hints; the agent falls back to its own defaults */
  heartbeatMs: z.number().int().min(100).max(600_000).optional(),
  leaseTtlMs: z.number().int().min(100).max(86_400_000).optional(),
});
export type RegisterResponse = z.infer<typeof registerResponse>;

// ---- PUT /factories/{id}/heartbeat ----------------------------------------------------------------

export const runningLease = z.object({ leaseId: id, epoch });
export type RunningLease = z.infer<typeof runningLease>;

export const heartbeatRequest = z.object({
  /** 1-minute load average ÷ CPU count: 0 idle, 1 saturated (may exceed 1) */
  load: z.number().min(0).max(10_000),
  free: stations,
  /**
   * Leases the agent holds. After a crash the restarted agent sends what it had persisted here, so
   * the coordinator can settle leases that no process is running any more.
   */
  running: z.array(runningLease).max(LIMITS.running),
  /** present when the agent has re-detected its capabilities since registering */
  capabilities: z.array(boundedString(LIMITS.capability).min(1)).max(LIMITS.capabilities).optional(),
  /** the repositories cached now; absent = unchanged */
  warm: warmRepos.optional(),
  /** absent = unchanged (an agent restarted with another --cost-per-hour keeps its token, not its price) */
  costPerHour: costPerHour.optional(),
});
export type HeartbeatRequest = z.infer<typeof heartbeatRequest>;

export const heartbeatResponse = z.object({
  /** stop claiming; finish what is running */
  drain: z.boolean(),
  /** fleet-wide: no claims at all */
  killSwitch: z.boolean(),
  /** leases to kill now (job cancelled, or not this factory's any more) */
  cancel: z.array(id).max(LIMITS.cancel),
  heartbeatMs: z.number().int().min(100).max(600_000).optional(),
});
export type HeartbeatResponse = z.infer<typeof heartbeatResponse>;

// ---- POST /leases/claim ---------------------------------------------------------------------------

export const claimRequest = z.object({
  factoryId: id,
  free: stations,
  /** long poll: the coordinator answers 204 after this long if nothing fits (≤ 30 s) */
  waitMs: z.number().int().min(0).max(LIMITS.waitMs).optional(),
});
export type ClaimRequest = z.infer<typeof claimRequest>;

export const lease = z.object({
  id,
  jobId: id,
  epoch,
  /** coordinator clock; the agent renews on its own clock at a third of `ttlMs` */
  expiresAt: isoTime,
  ttlMs: z.number().int().min(1).max(86_400_000),
});
export type Lease = z.infer<typeof lease>;

const duration = z.number().int().min(0);
const budgetShape = z.object({
  usd: z.number().min(0).optional(),
  tokens: z.number().int().min(0).optional(),
  wall: duration.optional(),
});
const stringList = (maxItems: number, maxLen: number = LIMITS.path) => z.array(boundedString(maxLen)).max(maxItems);

/**
 * The normalized manifest (lib/types Manifest) as it travels in a claim. Unknown keys pass through
 * (`x-` extensions, and fields a newer coordinator adds) so an older agent keeps working.
 */
const manifestShape = z.looseObject({
  engine: engineName.optional(),
  cwd: boundedString(LIMITS.path).optional(),
  repo: boundedString(LIMITS.path).optional(),
  yolo: z.boolean(),
  lock: boundedString(LIMITS.name * 4).optional(),
  timeout: duration.optional(),
  verify: boundedString(16_384).optional(),
  profile: boundedString(LIMITS.name * 2).optional(),
  "engine-class": boundedString(LIMITS.name).optional(),
  capabilities: stringList(LIMITS.capabilities, LIMITS.capability),
  prefers: stringList(LIMITS.capabilities, LIMITS.capability),
  priority: z.enum(["critical", "high", "medium", "low"]),
  budget: budgetShape,
  deps: stringList(1_000, LIMITS.id * 2),
  "idempotency-key": boundedString(256).optional(),
  retry: z.object({
    max: z.number().int().min(0),
    backoff: duration,
    on: z.array(z.enum(["timeout", "verify_failed", "agent_failed", "lease_lost"])).max(8),
  }),
  "review-policy": z.union([
    z.enum(["auto", "manual"]),
    z.object({ reviewers: stringList(100, 256) }),
  ]),
  artifacts: stringList(100),
  "allowed-scope": stringList(1_000),
  "tracker-item": boundedString(256).optional(),
  product: boundedString(LIMITS.id).optional(),
});
export const wireManifest = manifestShape as unknown as z.ZodType<Manifest>;

export const claimedJob = z.object({
  id,
  title: boundedString(LIMITS.title),
  manifest: wireManifest,
  /** the profile snapshot taken at assignment */
  profile: z.object({ name: boundedString(LIMITS.name * 2), version: boundedString(LIMITS.version) }).optional(),
});
export type ClaimedJob = z.infer<typeof claimedJob>;

const sha = z.string().regex(/^[0-9a-f]{7,64}$/, "commit SHAs are hex");
const branchName = z.string().min(1).max(255);
const DELIVERY_FAILURES = ["non_fast_forward", "auth", "unreachable", "conflict", "moved", "git"] as const;

/**
 * What the agent does with a claimed job's commits (issue 15). A job: push them to `branch` after
 * the engine exits 0 (leased on `expectedHead`, the head the coordinator last recorded; absent = the
 * branch must not exist yet). A delivery task (`task`), which runs no engine: `push` pushes the
 * kept local `headSha` again (*Retry push*, on the factory that holds it); `merge` lands `branch` at
 * `headSha` on `baseBranch` of the remote (plain-git *Ship*). A follow-up job of the review loop
 * carries `startAt` (= `expectedHead`): it continues the pushed branch rather than starting over.
 */
export const claimDelivery = z.object({
  mode: z.enum(["pr", "branch", "merge"]),
  branch: branchName,
  baseBranch: branchName.optional(),
  expectedHead: sha.optional(),
  task: z.enum(["push", "merge"]).optional(),
  headSha: sha.optional(),
  /** a follow-up of the review loop: start the checkout at this commit (the branch's pushed head), not the base */
  startAt: sha.optional(),
});
export type ClaimDelivery = z.infer<typeof claimDelivery>;

export const claimResponse = z.object({
  lease,
  job: claimedJob,
  /** persona + body, ready to hand to the engine */
  prompt: boundedString(LIMITS.prompt),
  /**
   * The concrete engine the scheduler chose (needed when the manifest names only an
   * `engine-class`). Absent: the agent uses `manifest.engine`, else its first free station.
   */
  engine: engineName.optional(),
  /** what is left of the job's budget across attempts; the agent stops the run when `wallMs` ends */
  remaining: z.object({ wallMs: duration.optional(), usd: z.number().min(0).optional(), tokens: z.number().int().min(0).optional() }).optional(),
  /** absent: nothing leaves the factory (no repo, `delivery: none`, or an older coordinator) */
  delivery: claimDelivery.optional(),
});
export type ClaimResponse = z.infer<typeof claimResponse>;

// ---- POST /leases/{id}/renew ----------------------------------------------------------------------

export const renewRequest = z.object({ epoch });
export type RenewRequest = z.infer<typeof renewRequest>;

export const renewResponse = z.object({ expiresAt: isoTime });
export type RenewResponse = z.infer<typeof renewResponse>;

// ---- what agents send: POST /leases/{id}/events and /complete --------------------------------------

export const costReport = z.object({
  usd: z.number().min(0).max(1e9).optional(),
  tokensIn: z.number().int().min(0).max(1e12).optional(),
  tokensOut: z.number().int().min(0).max(1e12).optional(),
});
export type CostReport = z.infer<typeof costReport>;

export const verifyReport = z.object({
  passed: z.boolean(),
  /** null when verify was killed by its timeout */
  exitCode: z.number().int().nullable(),
  output: boundedString(LIMITS.verifyOutput),
});
export type VerifyReport = z.infer<typeof verifyReport>;

export const scopeReport = z.object({
  changed: z.array(boundedString(LIMITS.path)).max(LIMITS.scopePaths),
  outOfScope: z.array(boundedString(LIMITS.path)).max(LIMITS.scopePaths),
});
export type ScopeReport = z.infer<typeof scopeReport>;

export const artifactReport = z.object({
  name: boundedString(256).min(1),
  /** diff | coverage | screenshots | build-logs | file */
  kind: boundedString(64).min(1),
  /** bytes of the whole artifact, even when `content` was truncated */
  size: z.number().int().min(0),
  content: boundedString(LIMITS.artifactContent).optional(),
  /** a path on the factory, for artifacts too large to send that could not be uploaded */
  path: boundedString(LIMITS.path).optional(),
  /** true: the bytes were uploaded to the coordinator's artifact store (lib/artifacts.ts) under this name */
  stored: z.boolean().optional(),
  /** the stored artifact's media type (one of lib/artifacts ARTIFACT_CONTENT_TYPES) */
  contentType: artifactContentType.optional(),
});
export type ArtifactReport = z.infer<typeof artifactReport>;

const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const agentEvent = z.discriminatedUnion("type", [
  z.object({ seq, type: z.literal("stage"), stage: z.literal("building") }),
  z.object({ seq, type: z.literal("log"), stream: z.enum(["stdout", "stderr"]), text: boundedString(LIMITS.logText) }),
  costReport.extend({ seq, type: z.literal("cost") }),
  verifyReport.extend({ seq, type: z.literal("verify") }),
  scopeReport.extend({ seq, type: z.literal("scope") }),
  artifactReport.extend({ seq, type: z.literal("artifact") }),
]);
export type AgentEvent = z.infer<typeof agentEvent>;
export type AgentEventType = AgentEvent["type"];
/** An event before the sender numbers it. */
export type AgentEventBody = AgentEvent extends infer E ? (E extends AgentEvent ? Omit<E, "seq"> : never) : never;

export const agentEventsRequest = z.object({
  epoch,
  events: z.array(agentEvent).min(1).max(LIMITS.eventsPerBatch),
});
export type AgentEventsRequest = z.infer<typeof agentEventsRequest>;

export const OUTCOMES = ["succeeded", "failed", "timeout", "cancelled", "budget_exceeded"] as const;
export const outcome = z.enum(OUTCOMES);
export type Outcome = z.infer<typeof outcome>;

/**
 * What became of the job's commits: the branch and head the agent pushed (`pushed`), or the head it
 * kept locally and why the push failed (`error`); a merge task adds the base branch and `mergeSha`.
 * Never a credential: reasons and git's messages only (redacted by the coordinator all the same).
 */
export const deliveryReport = z.object({
  branch: branchName,
  headSha: sha,
  pushed: z.boolean(),
  baseBranch: branchName.optional(),
  mergeSha: sha.optional(),
  error: z.object({ reason: z.enum(DELIVERY_FAILURES), message: boundedString(LIMITS.reason * 4) }).optional(),
});
export type DeliveryReport = z.infer<typeof deliveryReport>;

export const completeRequest = z.object({
  epoch,
  outcome,
  /** the engine's exit code; null/absent when it was killed by a signal */
  exitCode: z.number().int().nullable().optional(),
  verify: verifyReport.optional(),
  scope: scopeReport.optional(),
  /** totals for the attempt */
  cost: costReport.optional(),
  commits: z.array(z.string().regex(/^[0-9a-f]{7,64}$/, "commit SHAs are hex")).max(LIMITS.commits).optional(),
  artifacts: z.array(artifactReport).max(LIMITS.artifacts).optional(),
  delivery: deliveryReport.optional(),
});
export type CompleteRequest = z.infer<typeof completeRequest>;

// ---- errors ---------------------------------------------------------------------------------------

/** Lease-route conflict codes (409): the agent stops that job at once on either. */
export const LEASE_CONFLICT_CODES = ["lease_lost", "cancelled"] as const;

/** application/problem+json as every route returns it; parsed leniently (only what the agent uses). */
export const problemBody = z.looseObject({
  type: z.string().max(1_000).optional(),
  title: z.string().max(1_000).optional(),
  status: z.number().int().optional(),
  detail: z.string().max(10_000).optional(),
  code: z.string().max(100).optional(),
  errors: z.array(z.looseObject({ path: z.string().max(1_000), message: z.string().max(10_000) })).max(1_000).optional(),
});
export type ProblemBody = z.infer<typeof problemBody>;
