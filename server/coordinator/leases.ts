import "server-only";
import { typedFromAgent } from "@/lib/events";
import type { AgentEventsRequest, ClaimRequest, ClaimResponse, CompleteRequest, Station } from "@/lib/protocol";
import { FleetError } from "@/server/errors";
import { isStoreError } from "@/server/store/errors";
import type { NewLogChunk } from "@/server/store/port";
import type { AttemptResult, FactoryRecord } from "@/server/store/records";
import { chooseJobs } from "./choose-job";
import { noteGrant, noteRunEnd } from "./metrics-notes";
import { attemptEvents, attemptPatch } from "./attempt-end";
import { recordLiveCost } from "./budgets";
import { stageAfterAttempt } from "./completion";
import { afterTaskAttempt, attemptDelivery, claimDeliveryOf, deliveryAfterAttempt, withDelivery } from "./delivery";
import type { CoordinatorContext } from "./context";
import { newLeaseId, parseLeaseId } from "./ids";
import { fromTyped, jobEvent, stageChanged, stageHops, verifyEvent, VERIFY_AGENT_SEQ, type JobEvent } from "./events";
import { afterMove, moveJob } from "./move-job";
import { WakeLatch } from "./notifier";
import { noteAttemptEnd } from "./placement/outcomes";
import { maybePreempt } from "./placement/preemption";
import { remainingForClaim } from "./policies/budget";
import { redactDeep } from "./redaction";
import { runVersionsOf } from "./run-versions";

/**
 * Leases: the claim long poll and the fenced writes of an attempt. Every write after the claim carries
 * (leaseId, epoch); the store refuses a stale one with `lease_lost`. Object-level rule: the lease id
 * names its factory (ids.ts), and a factory may only touch its own leases.
 */

export async function claim(
  ctx: CoordinatorContext,
  factory: FactoryRecord,
  req: ClaimRequest,
  signal?: AbortSignal,
): Promise<ClaimResponse | undefined> {
  if (req.factoryId !== factory.id) throw new FleetError("forbidden", "a factory may only claim for itself");
  const started = ctx.now();
  const deadline = started + (req.waitMs ?? 0);
  // Subscribe before the first look, so a job queued between the look and the wait is not missed.
  const latch = new WakeLatch();
  const unsubscribe = ctx.notifier.onQueued(() => latch.fire());
  try {
    for (;;) {
      latch.reset();
      const roundStarted = performance.now();
      const granted = await tryClaim(ctx, factory, req.free);
      if (granted) {
        // Only the round that granted: the long poll's idle time is not assignment latency.
        ctx.metrics.assignLatency.observe((performance.now() - roundStarted) / 1000);
        ctx.metrics.observeClaim((ctx.now() - started) / 1000);
        return granted;
      }
      if (latch.fired) continue;
      const remaining = deadline - ctx.now();
      if (remaining <= 0 || signal?.aborted) return undefined;
      await latch.wait(Math.min(ctx.pollMs, remaining), signal);
      if (signal?.aborted) return undefined;
      // The factory may have been drained or revoked meanwhile.
      factory = (await ctx.store.getFactory(factory.id)) ?? factory;
    }
  } finally {
    unsubscribe();
  }
}

async function tryClaim(ctx: CoordinatorContext, factory: FactoryRecord, free: readonly Station[]): Promise<ClaimResponse | undefined> {
  // A pending factory (awaiting approval) gets no work, like a drained or revoked one.
  if (factory.status === "draining" || factory.status === "revoked" || factory.status === "pending") return undefined;
  const settings = await ctx.settings.get();
  if (settings.killSwitch.on) return undefined;
  const now = ctx.now();
  const round = await chooseJobs(ctx, factory, free, now, ctx.claiming);
  for (const placement of round.placements) {
    const jobId = placement.jobId;
    // Jobs other claims of this context are taking right now are skipped instead of raced for.
    if (ctx.claiming.has(jobId)) continue;
    ctx.claiming.add(jobId);
    try {
      const decision = round.decide(placement);
      if (!decision) continue;
      const leaseId = newLeaseId(factory.id, jobId);
      const profile = placement.profile;
      const grant = await ctx.store.claimJob({
        jobId,
        // Conditional on the version the scheduler saw: a job changed since is re-read, not granted.
        expectedVersion: placement.revision,
        factoryId: factory.id,
        engine: placement.engine,
        leaseId,
        ttlMs: ctx.leaseTtlMs,
        now,
        decision: decision.onJob,
        ...(profile ? { profile } : {}),
        // What this attempt runs with, as the factory advertises it now (kept with the run).
        versions: runVersionsOf(factory.capabilities, placement.engine),
        // Recorded with the grant (one store round trip, one SQLite transaction), not appended after.
        events: (g) => [
          jobEvent("decision:made", now, decision.event),
          jobEvent("lease:granted", now, { leaseId, epoch: g.lease.epoch, factoryId: factory.id, engine: placement.engine, expiresAt: g.lease.expiresAt }),
          stageChanged("queued", g.job.stage, now, `factory:${factory.id}`),
        ],
      });
      if (!grant) {
        round.lost(jobId);
        continue;
      }
      round.won(jobId, now);
      ctx.metrics.leasesGranted.inc();
      noteGrant(ctx, grant.job, now);
      ctx.notifier.jobChanged(jobId);
      const remaining = remainingForClaim(grant.job.manifest.budget, grant.job.cost);
      // A delivery task needs its job's delivery record (one more read, for tasks only).
      const delivery = claimDeliveryOf(grant.job, grant.job.task ? await ctx.store.getJob(grant.job.task.of) : undefined);
      return {
        lease: {
          id: grant.lease.id,
          jobId,
          epoch: grant.lease.epoch,
          expiresAt: new Date(grant.lease.expiresAt).toISOString(),
          ttlMs: ctx.leaseTtlMs,
        },
        job: { id: jobId, title: grant.job.title, manifest: grant.job.manifest, ...(profile ? { profile } : {}) },
        prompt: grant.job.body,
        engine: placement.engine,
        ...(remaining ? { remaining } : {}),
        ...(delivery ? { delivery } : {}),
      };
    } finally {
      ctx.claiming.delete(jobId);
    }
  }
  // Nothing this factory can take: a critical job may still need a station someone else holds.
  await maybePreempt(ctx, now);
  return undefined;
}

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
  await fenced(ctx, async () => {
    if (logs.length > 0) await ctx.store.appendLog(jobId, fence, logs);
    if (events.length > 0) await ctx.store.appendEvents(jobId, events, fence);
  });
  // Stored: only now does the redactor state move on (a failed write leaves it for the re-send).
  batch.commit();
  if (engineStarted) await markBuilding(ctx, jobId, leaseId);
  // Cost reports count against the budget at once (a breach pauses the job and cancels this lease).
  if (events.some((e) => e.type === "run:cost")) await recordLiveCost(ctx, jobId, leaseId);
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
  const next = stageAfterAttempt(job, body, now, ctx.policy.jitter);
  const patch = withDelivery(attemptPatch(next), deliveryAfterAttempt(job, body.delivery, factoryId, now));
  const result = attemptResult(body);
  const events: JobEvent[] = [];
  if (result.verify) {
    ctx.metrics.verify.inc({ result: result.verify.passed ? "passed" : "failed" });
    // Idempotent per attempt: when the agent's own verify event arrived, the store keeps that one.
    events.push(verifyEvent(leaseId, now, result.verify));
  }
  events.push(jobEvent("run:completed", now, { outcome: body.outcome, exitCode: body.exitCode ?? null, next: next.stage }, { leaseId }));
  if (!job.lease?.cancelled) events.push(...attemptEvents(next, now), ...stageHops(job.stage, next.via ?? [], next.stage, now, `factory:${factoryId}`, next.cause));
  const done = await fenced(ctx, () =>
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
  if (current) ctx.redactors.forget(leaseId);
  if (!done.duplicate) {
    noteRunEnd(ctx, done.job, done.run, now);
    noteAttemptEnd(ctx, factoryId, body.outcome, now);
    await afterMove(ctx, done.job, { from: job.stage, cause: next.cause });
    await afterTaskAttempt(ctx, done.job, body);
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
