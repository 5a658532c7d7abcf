/**
 * The typed events of a job's append-only log: `noun:verb` names and the shape of each one's data.
 * Agents send short forms (CONTRACT §2: `stage`, `log`, `cost`, `verify`, `scope`, `artifact`); the
 * coordinator stores them under these names (`log` → `run:log`, `verify` → `verify:passed` or
 * `verify:failed`, …) beside its own events (`job:submitted`, `lease:granted`, `stage:changed`…).
 * Log chunks travel as `run:log` on streams but are kept in the store's log, not in the event log.
 */
import { z } from "zod";
import type { AgentEvent } from "./protocol";
import { STAGES } from "./types";

export const EVENT_TYPES = [
  "job:submitted",
  "job:unblocked",
  "stage:changed",
  "decision:made",
  "action:taken",
  "lease:granted",
  "lease:expired",
  "lease:cancelled",
  "lease:preempted",
  "preemption:made",
  "run:started",
  "run:log",
  "run:cost",
  "run:completed",
  "run:late_result",
  "run:imported",
  "verify:passed",
  "verify:failed",
  "scope:reported",
  "artifact:added",
  "budget:exceeded",
  "factory:registered",
  "factory:heartbeat",
  "factory:offline",
  "factory:draining",
  "factory:revoked",
  "killswitch:changed",
  "alert:raised",
  "job:dead_lettered",
  "approval:recorded",
  "ship:overridden",
  "gate:protected",
  "deps:changed",
  "delivery:push_queued",
  "delivery:ship_queued",
  "delivery:pushed",
  "delivery:merged",
  "delivery:push_failed",
  "delivery:ship_failed",
  "delivery:pr_opened",
  "delivery:pr_changed",
  "delivery:pr_failed",
  "job:cancelled",
  "review:follow_up_queued",
  "review:follow_up_refused",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const stage = z.enum(STAGES);

/** Data of each event type (what the UI and the timeline rebuild rely on). */
export const EVENT_DATA = {
  "job:submitted": z.object({ stage, title: z.string(), by: z.string(), task: z.object({ kind: z.enum(["push", "merge"]), of: z.string() }).optional() }),
  "job:unblocked": z.object({ deps: z.array(z.string()) }),
  "stage:changed": z.object({ from: stage, to: stage, cause: z.string(), by: z.string().optional() }),
  /** the scheduler's explanation of the claim (server/scheduler Decision, candidates and rejections capped) */
  "decision:made": z.object({
    kind: z.literal("placed"),
    jobId: z.string(),
    factoryId: z.string(),
    factoryName: z.string(),
    engine: z.string(),
    score: z.number(),
    terms: z.array(z.unknown()),
    candidates: z.array(z.unknown()),
    feasibleCount: z.number(),
    rejected: z.array(z.unknown()),
    rejectedTotal: z.number(),
    counts: z.record(z.string(), z.number()),
    pull: z.object({
      rank: z.number(),
      eligible: z.number(),
      aged: z.object({ from: z.string(), to: z.string() }).optional(),
      waitedMs: z.number(),
    }),
  }),
  "action:taken": z.object({
    action: z.string(),
    by: z.string(),
    reason: z.string().optional(),
    override: z.boolean().optional(),
    /** resume with a raised budget: the ceilings the person sent */
    budget: z.object({ usd: z.number().optional(), tokens: z.number().optional(), wall: z.number().optional() }).optional(),
  }),
  "lease:granted": z.object({ leaseId: z.string(), epoch: z.number(), factoryId: z.string(), engine: z.string(), expiresAt: z.number() }),
  "lease:expired": z.object({ leaseId: z.string(), epoch: z.number(), to: stage }),
  "lease:cancelled": z.object({ leaseId: z.string(), epoch: z.number() }),
  /** a critical job's preemption cancelled this lease; the job went back to the queue */
  "lease:preempted": z.object({ leaseId: z.string(), epoch: z.number(), factoryId: z.string(), reason: z.string(), by: z.string(), detail: z.string() }),
  /** recorded on the critical job that preempted another's lease */
  "preemption:made": z.object({
    kind: z.literal("preempt"),
    jobId: z.string(),
    leaseId: z.string(),
    victimJobId: z.string(),
    factoryId: z.string(),
    factoryName: z.string(),
    engine: z.string(),
    reason: z.string(),
    detail: z.string(),
  }),
  "run:started": z.object({ stage: z.literal("building") }),
  "run:log": z.object({ stream: z.enum(["stdout", "stderr"]), text: z.string() }),
  "run:cost": z.object({ usd: z.number().optional(), tokensIn: z.number().optional(), tokensOut: z.number().optional() }),
  "run:completed": z.object({ outcome: z.string(), exitCode: z.number().nullable().optional(), next: stage }),
  /** a completion that arrived after its lease was reaped: recorded on the attempt, the job's stage untouched */
  /** a run of the factory's folder queue, recorded on reconnect; `duplicate`: the job had run already, nothing ran again */
  "run:imported": z.object({ factoryId: z.string(), file: z.string().optional(), outcome: z.string(), duplicate: z.boolean(), stage }),
  "run:late_result": z.object({ epoch: z.number(), outcome: z.string(), exitCode: z.number().nullable().optional(), verifyPassed: z.boolean().optional(), stage }),
  "verify:passed": z.object({ exitCode: z.number().nullable(), output: z.string() }),
  "verify:failed": z.object({ exitCode: z.number().nullable(), output: z.string() }),
  "scope:reported": z.object({ changed: z.array(z.string()), outOfScope: z.array(z.string()) }),
  "artifact:added": z.object({ name: z.string(), kind: z.string(), size: z.number(), path: z.string().optional() }),
  "budget:exceeded": z.object({ reason: z.string(), breaches: z.array(z.string()).optional() }),
  "factory:registered": z.object({ factoryId: z.string(), name: z.string() }),
  "factory:heartbeat": z.object({ factoryId: z.string(), load: z.number(), running: z.number() }),
  "factory:offline": z.object({ factoryId: z.string(), reclaimed: z.number() }),
  "factory:draining": z.object({ factoryId: z.string() }),
  "factory:revoked": z.object({ factoryId: z.string() }),
  "killswitch:changed": z.object({ on: z.boolean(), reason: z.string(), by: z.string() }),
  "alert:raised": z.object({ kind: z.enum(["job_stalled", "failure_spike", "budget_exceeded", "factory_offline", "dead_letter"]), message: z.string() }),
  "job:dead_lettered": z.object({ cause: z.string(), attempts: z.array(z.record(z.string(), z.unknown())) }),
  "approval:recorded": z.object({ reviewer: z.string(), by: z.string(), missing: z.array(z.string()) }),
  "ship:overridden": z.object({ by: z.string(), reason: z.string(), scope: z.array(z.string()), approvals: z.array(z.string()) }),
  /** issue 18: the attempt changed protected paths, so review-policy auto does not ship it; a person must */
  "gate:protected": z.object({ files: z.array(z.object({ file: z.string(), glob: z.string() })) }),
  "deps:changed": z.object({ blockedReasons: z.array(z.string()) }),
  /** issue 15: a delivery task (push or merge) was queued for this job, and how it ended */
  "delivery:push_queued": z.object({ task: z.string(), branch: z.string(), by: z.string() }),
  "delivery:ship_queued": z.object({ task: z.string(), branch: z.string(), by: z.string() }),
  "delivery:pushed": z.object({ branch: z.string(), headSha: z.string(), task: z.string() }),
  /** merged by a merge task (plain git: `task`) or through the forge (`pr`: its number) */
  "delivery:merged": z.object({ branch: z.string(), baseBranch: z.string().optional(), mergeSha: z.string().optional(), task: z.string().optional(), pr: z.number().int().optional(), method: z.string().optional(), by: z.string().optional() }),
  "delivery:push_failed": z.object({ branch: z.string(), task: z.string(), reason: z.string(), message: z.string() }),
  "delivery:ship_failed": z.object({ branch: z.string(), task: z.string(), reason: z.string(), message: z.string() }),
  /** issue 15: the job's pull request on the forge was opened (or an open one for its branch adopted) */
  "delivery:pr_opened": z.object({ number: z.number().int(), url: z.string(), draft: z.boolean(), headSha: z.string(), adopted: z.boolean() }),
  /** the PR as read again (poll or webhook) differs from what was recorded: what it is now */
  "delivery:pr_changed": z.object({ number: z.number().int(), state: z.enum(["open", "closed", "merged"]), checks: z.string(), review: z.string(), mergeable: z.boolean().nullable(), headSha: z.string() }),
  /** opening, reading or merging the PR was refused; `reason` from the forge's list (checks_failing, conflict…) */
  "delivery:pr_failed": z.object({ action: z.enum(["open", "refresh", "merge"]), branch: z.string(), number: z.number().int().optional(), reason: z.string(), message: z.string() }),
  "job:cancelled": z.object({ reason: z.string() }),
  /** on the job whose pull request needs work: the follow-up job queued on its branch (server/coordinator/follow-ups.ts) */
  "review:follow_up_queued": z.object({ followUp: z.string(), reason: z.enum(["checks_failed", "changes_requested"]), round: z.number().int(), headSha: z.string(), by: z.string() }),
  /** no follow-up: the retry policy or the budget is spent, or a follow-up is still running on the branch */
  "review:follow_up_refused": z.object({ reason: z.enum(["checks_failed", "changes_requested"]), round: z.number().int(), headSha: z.string(), why: z.string() }),
} satisfies { [T in EventType]: z.ZodType };

export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA)[T]>;

export interface TypedEvent<T extends EventType = EventType> {
  type: T;
  data: EventData<T>;
}

/** An agent's short-form event as the typed event the coordinator stores (seq handled by the caller). */
export function typedFromAgent(e: AgentEvent): TypedEvent {
  switch (e.type) {
    case "stage":
      return { type: "run:started", data: { stage: e.stage } };
    case "log":
      return { type: "run:log", data: { stream: e.stream, text: e.text } };
    case "cost":
      return { type: "run:cost", data: pick(e, ["usd", "tokensIn", "tokensOut"]) };
    case "verify":
      return {
        type: e.passed ? "verify:passed" : "verify:failed",
        data: { exitCode: e.exitCode, output: e.output },
      };
    case "scope":
      return { type: "scope:reported", data: { changed: e.changed, outOfScope: e.outOfScope } };
    case "artifact":
      return { type: "artifact:added", data: { name: e.name, kind: e.kind, size: e.size, ...(e.path ? { path: e.path } : {}) } };
    default:
      return assertNever(e);
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function assertNever(x: never): never {
  throw new Error(`unexpected agent event ${JSON.stringify(x)}`);
}
