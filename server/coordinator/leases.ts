import "server-only";
import { typedFromAgent } from "@/lib/events";
import type { AgentEventsRequest, CompleteRequest } from "@/lib/protocol";
import { FleetError } from "@/server/errors";
import { isStoreError } from "@/server/store/errors";
import type { NewLogChunk } from "@/server/store/port";
import type { AttemptResult } from "@/server/store/records";
import { noteRunEnd } from "./metrics-notes";
import { attemptEvents, attemptPatch } from "./attempt-end";
import { recordLiveCost } from "./budgets";
import { autoShipAfterAttempt } from "./auto-ship";
import { stageAfterAttempt } from "./completion";
import { protectedGlobsFor } from "./policies/protected-paths";
import { afterTaskAttempt, attemptDelivery, deliveryAfterAttempt, withDelivery } from "./delivery";
import { afterFollowUpAttempt } from "./follow-ups";
import type { CoordinatorContext } from "./context";
import { parseLeaseId } from "./ids";
import { fromTyped, jobEvent, stageHops, verifyEvent, VERIFY_AGENT_SEQ, type JobEvent } from "./events";
import { recordLateResult } from "./late-result";
import { afterMove, moveJob } from "./move-job";
import { afterAttemptPullRequest } from "./pull-requests";
import { noteAttemptEnd } from "./placement/outcomes";
import { redactDeep } from "./redaction";


/**
 * Leases: the fenced writes of an attempt (the grant is claim.ts). Every write after the claim
 * carries (leaseId, epoch); the store refuses a stale one with `lease_lost`. Object-level rule: the
 * lease id names its factory (ids.ts), and a factory may only touch its own leases.
 */

/** Refuses a write whose (lease, epoch) is not the job's current, unexpired lease. */
function checkCurrentLease(job: { lease?: { id: string; epoch: number; expiresAt: number } } | undefined, leaseId: string, epoch: number, now: number): void {
  const lease = job?.lease;
  if (!lease || lease.id !== leaseId || lease.epoch !== epoch || now >= lease.expiresAt) {
    throw new FleetError("lease_lost", `lease ${leaseId} (epoch ${epoch}) is not the job's current lease`);
  }
}

/** The job of a lease the calling factory owns; another factory's lease is refused. */
function ownLease(factoryId: string, leaseId: string): string {
  const owner = parseLeaseId(leaseId);
  if (owner.factoryId !== factoryId) throw new FleetError("forbidden", "this lease belongs to another factory");
  return owner.jobId;
}

/** Counts refused fenced writes for /metrics, then lets the error travel on. */
async function fenced<T>(ctx: CoordinatorContext, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (isStoreError(e, "lease_lost")) ctx.metrics.leasesLost.inc();
    throw e;
  }
}

export async function renew(ctx: CoordinatorContext, factoryId: string, leaseId: string, epoch: number) {
  ownLease(factoryId, leaseId);
  const { expiresAt } = await fenced(ctx, () => ctx.store.renewLease(leaseId, epoch, ctx.now(), ctx.leaseTtlMs));
  return { expiresAt: new Date(expiresAt).toISOString() };
}

export async function appendAgentEvents(ctx: CoordinatorContext, factoryId: string, leaseId: string, body: AgentEventsRequest) {
  const jobId = ownLease(factoryId, leaseId);
  const now = ctx.now();
  const fence = { leaseId, epoch: body.epoch, now };
  // The fence first, from one read: a stale or foreign batch costs no scanning and leaves the
  // redactors alone (the store checks the fence again, atomically, when it writes).
  checkCurrentLease(await ctx.store.getJob(jobId), leaseId, body.epoch, now);
  const batch = ctx.redactors.begin(leaseId);
  const logs: NewLogChunk[] = [];
  const events: JobEvent[] = [];
  let engineStarted = false;
  for (const e of body.events) {
    if (e.type === "log") {
      // Redacted before it is stored: nothing secret ever reaches the store or a stream.
      for (const c of batch.push(e.stream, e.seq, e.text)) logs.push({ ...c, at: now });
      continue;
    }
    const typed = typedFromAgent(e);
    // An attempt's verify result is stored once, under its reserved key (events.ts VERIFY_AGENT_SEQ).
    const agentSeq = e.type === "verify" ? VERIFY_AGENT_SEQ : e.seq;
    events.push(fromTyped({ ...typed, data: redactDeep(typed.data) }, now, { leaseId, agentSeq }));
    if (e.type === "stage") engineStarted = true;
  }
  const stored = await fenced(ctx, async () => {
    if (logs.length > 0) await ctx.store.appendLog(jobId, fence, logs);
    return events.length > 0 ? await ctx.store.appendEvents(jobId, events, fence) : [];
  });
  // Stored: only now does the redactor state move on (a failed write leaves it for the re-send).
  batch.commit();
  if (engineStarted) await markBuilding(ctx, jobId, leaseId);
  // Cost reports count against the budget at once (a breach pauses the job and cancels this lease).
  const costs = stored.filter((e) => e.type === "run:cost" && e.leaseId === leaseId);
  if (costs.length > 0) await recordLiveCost(ctx, jobId, leaseId, costs);
  ctx.notifier.jobChanged(jobId);
  return { accepted: body.events.length };
}

async function markBuilding(ctx: CoordinatorContext, jobId: string, leaseId: string): Promise<void> {
  const job = await ctx.store.getJob(jobId);
  if (!job || job.stage !== "assigned" || job.lease?.id !== leaseId) return;
  try {
    await moveJob(ctx, job, "building", { by: `factory:${job.lease.factoryId}` });
  } catch (e) {
    // A racing write (renew, a second stage event, an operator) moved the job: nothing to do.
    if (!isStoreError(e, "conflict") && !isStoreError(e, "illegal_transition")) throw e;
  }
}

export async function complete(ctx: CoordinatorContext, factoryId: string, leaseId: string, body: CompleteRequest) {
  const jobId = ownLease(factoryId, leaseId);
  const now = ctx.now();
  const fence = { leaseId, epoch: body.epoch, now };
  const job = await ctx.store.getJob(jobId);
  if (!job) throw new FleetError("not_found", "no such lease");
  // Only the current lease's complete may store the held-back tails (a stale one must not touch them).
  const current = job.lease?.id === leaseId && job.lease.epoch === body.epoch;
  const tails = current ? ctx.redactors.tails(leaseId) : [];
  if (tails.length > 0) {
    await fenced(ctx, () => ctx.store.appendLog(jobId, fence, tails.map((t) => ({ ...t, at: now }))));
  }
  const next = stageAfterAttempt(job, body, now, ctx.policy.jitter, protectedGlobsFor(await ctx.settings.get(), job.productId));
  const patch = withDelivery(attemptPatch(next, job), deliveryAfterAttempt(job, body.delivery, factoryId, now));
  const result = attemptResult(body);
  const events: JobEvent[] = [];
  if (result.verify) {
    ctx.metrics.verify.inc({ result: result.verify.passed ? "passed" : "failed" });
    // Idempotent per attempt: when the agent's own verify event arrived, the store keeps that one.
    events.push(verifyEvent(leaseId, now, result.verify));
  }
  events.push(jobEvent("run:completed", now, { outcome: body.outcome, exitCode: body.exitCode ?? null, next: next.stage }, { leaseId }));
  if (!job.lease?.cancelled) events.push(...attemptEvents(next, now), ...stageHops(job.stage, next.via ?? [], next.stage, now, `factory:${factoryId}`, next.cause));
  let done: Awaited<ReturnType<typeof ctx.store.completeAttempt>>;
  try {
    done = await fenced(ctx, () =>
    ctx.store.completeAttempt({
      leaseId,
      epoch: body.epoch,
      now,
      result,
      next: {
        stage: next.stage,
        ...(next.via ? { via: next.via } : {}),
        countAttempt: next.countAttempt,
        ...(next.notBefore !== undefined ? { notBefore: next.notBefore } : {}),
        ...(patch ? { patch } : {}),
      },
      events,
    }),
  );
  } catch (e) {
    // A reaped lease's result is kept as a late result of its attempt (late-result.ts); anything else stands.
    const late = isStoreError(e, "lease_lost") ? await recordLateResult(ctx, job, leaseId, body) : undefined;
    if (late) return late;
    throw e;
  }
  if (current) ctx.redactors.forget(leaseId);
  if (!done.duplicate) {
    noteRunEnd(ctx, done.job, done.run, now);
    noteAttemptEnd(ctx, factoryId, body.outcome, now);
    await afterMove(ctx, done.job, { from: job.stage, cause: next.cause });
    await afterTaskAttempt(ctx, done.job, body);
    await afterFollowUpAttempt(ctx, done.job, body);
    // A pushed head in review/testing: the job's pull request (forge call after the write, errors logged).
    await afterAttemptPullRequest(ctx, done.job);
    // review-policy auto with pushed commits on plain git: the merge task, as Ship would queue it.
    await autoShipAfterAttempt(ctx, done.job, next);
  }
  return { stage: done.job.stage, duplicate: done.duplicate };
}

function attemptResult(body: CompleteRequest): AttemptResult {
  const r: AttemptResult = { outcome: body.outcome };
  if (body.exitCode !== undefined && body.exitCode !== null) r.exitCode = body.exitCode;
  if (body.verify) r.verify = redactDeep({ passed: body.verify.passed, exitCode: body.verify.exitCode ?? -1, output: body.verify.output });
  if (body.scope) r.scope = redactDeep(body.scope);
  if (body.cost) r.cost = body.cost;
  if (body.commits) r.commits = body.commits;
  if (body.artifacts) r.artifacts = redactDeep(body.artifacts);
  const delivery = attemptDelivery(body.delivery);
  if (delivery) r.delivery = delivery;
  return r;
}
