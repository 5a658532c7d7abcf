import "server-only";
import { LEASED_STAGES } from "@/lib/stages";
import type { HeartbeatRequest, HeartbeatResponse, RegisterRequest, RegisterResponse } from "@/lib/protocol";
import { FleetError } from "@/server/errors";
import { forgetFactoryTokens, refreshFactoryToken } from "@/server/auth/factory-token-cache";
import { generateToken, hashToken } from "@/server/auth/tokens";
import { isStoreError } from "@/server/store/errors";
import type { FactoryRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import { newFactoryId, parseLeaseId } from "./ids";
import { enforceBudget } from "./budgets";
import { moveJob } from "./move-job";
import { decideLeaseLost } from "./policies/retry";
import { factoryHealth, factoryView } from "./views";

/**
 * Factories: registration (enrollment token → factory token), heartbeats answered with what the
 * factory must do, drain/revoke, and the offline check the sweeper runs.
 */

/** opts.pending: held for an admin's approval (admission.ts); such a factory gets no work until then. */
export async function registerFactory(ctx: CoordinatorContext, req: RegisterRequest, opts: { pending?: boolean } = {}): Promise<RegisterResponse> {
  const token = generateToken("factory");
  const now = ctx.now();
  const f = await ctx.store.registerFactory({
    id: newFactoryId(),
    productId: ctx.productId,
    name: req.name,
    os: req.os,
    arch: req.arch,
    capabilities: req.capabilities,
    stations: req.stations,
    version: req.version,
    tokenHash: hashToken(token),
    ...(req.warm ? { warm: req.warm } : {}),
    ...(req.costPerHour !== undefined ? { costPerHour: req.costPerHour } : {}),
    ...(opts.pending ? { pending: true } : {}),
    now,
  });
  ctx.notifier.fleetMessage({ kind: "factory", factoryId: f.id, status: f.status, load: 0, running: 0, at: now });
  return { factoryId: f.id, token, heartbeatMs: ctx.heartbeatMs, leaseTtlMs: ctx.leaseTtlMs };
}

export async function heartbeat(ctx: CoordinatorContext, factoryId: string, pathId: string, hb: HeartbeatRequest): Promise<HeartbeatResponse> {
  if (pathId !== factoryId) throw new FleetError("forbidden", "a factory may only heartbeat for itself");
  const now = ctx.now();
  const f = await ctx.store.heartbeat(factoryId, {
    load: hb.load,
    free: hb.free,
    running: hb.running,
    // Re-detected capabilities, the repositories cached now and the price: each absent = unchanged.
    ...(hb.capabilities ? { capabilities: hb.capabilities } : {}),
    ...(hb.warm ? { warm: hb.warm } : {}),
    ...(hb.costPerHour !== undefined ? { costPerHour: hb.costPerHour } : {}),
    now,
  });
  if (f.status !== "revoked") refreshFactoryToken(f);
  const settings = await ctx.settings.get();
  const cancel: string[] = [];
  for (const r of hb.running) {
    // A lease the factory still runs but that is not (or no longer validly) its own: stop it.
    let jobId: string;
    try {
      const owner = parseLeaseId(r.leaseId);
      if (owner.factoryId !== factoryId) {
        cancel.push(r.leaseId);
        continue;
      }
      jobId = owner.jobId;
    } catch {
      cancel.push(r.leaseId);
      continue;
    }
    const job = await ctx.store.getJob(jobId);
    // A running attempt past its wall budget is paused here, so the agent hears it on this heartbeat.
    if (job?.lease?.id === r.leaseId && (await enforceBudget(ctx, job))) {
      cancel.push(r.leaseId);
      continue;
    }
    const lease = job?.lease;
    if (!lease || lease.id !== r.leaseId || lease.epoch !== r.epoch || lease.cancelled) cancel.push(r.leaseId);
  }
  ctx.notifier.fleetMessage({ kind: "factory", factoryId, status: f.status, load: f.load, running: hb.running.length, at: now });
  return { drain: f.status === "draining", killSwitch: settings.killSwitch.on, cancel, heartbeatMs: ctx.heartbeatMs };
}

export async function drainFactory(ctx: CoordinatorContext, factoryId: string) {
  const f = await requireFactory(ctx, factoryId);
  if (f.status === "revoked") throw new FleetError("illegal_transition", "the factory is revoked");
  const moved = await ctx.store.setFactoryStatus(factoryId, "draining", ctx.now());
  forgetFactoryTokens();
  ctx.notifier.fleetMessage({ kind: "factory", factoryId, status: moved.status, load: moved.load, running: moved.running.length, at: ctx.now() });
  return factoryView(moved, ctx.now(), ctx.offlineAfterMs);
}

/** Revoking ends the factory's token for good and returns its running work to the queue. */
export async function revokeFactory(ctx: CoordinatorContext, factoryId: string) {
  await requireFactory(ctx, factoryId);
  const moved = await ctx.store.setFactoryStatus(factoryId, "revoked", ctx.now());
  forgetFactoryTokens();
  await reclaimLeases(ctx, factoryId);
  return factoryView(moved, ctx.now(), ctx.offlineAfterMs);
}

export async function listFactories(ctx: CoordinatorContext) {
  const now = ctx.now();
  const all = await ctx.store.listFactories();
  return { items: all.map((f) => factoryView(f, now, ctx.offlineAfterMs)) };
}

async function requireFactory(ctx: CoordinatorContext, id: string): Promise<FactoryRecord> {
  const f = await ctx.store.getFactory(id);
  if (!f) throw new FleetError("not_found", `no factory ${id}`);
  return f;
}

/**
 * Marks factories that missed heartbeats for the offline window as offline and reclaims their
 * leases: the jobs go back to `queued` (their leases are marked cancelled, so a factory that comes
 * back is told to stop them, and the sweeper frees them at expiry). Safe to run on several instances:
 * every step is a conditional write that the second runner finds already done.
 */
export async function markOfflineFactories(ctx: CoordinatorContext): Promise<string[]> {
  const now = ctx.now();
  const gone: string[] = [];
  for (const f of await ctx.store.listFactories()) {
    if (f.status !== "online" && f.status !== "draining") continue;
    if (factoryHealth({ ...f, status: "online" }, now, ctx.offlineAfterMs) !== "offline") continue;
    await ctx.store.setFactoryStatus(f.id, "offline", now);
    const reclaimed = await reclaimLeases(ctx, f.id);
    ctx.notifier.fleetMessage({ kind: "factory", factoryId: f.id, status: "offline", load: f.load, running: 0, at: now });
    gone.push(f.id);
    if (reclaimed > 0) ctx.notifier.jobQueued();
  }
  return gone;
}

async function reclaimLeases(ctx: CoordinatorContext, factoryId: string): Promise<number> {
  const now = ctx.now();
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await ctx.store.listJobs({ factoryId, stage: [...LEASED_STAGES] }, cursor, 200);
    for (const job of page.items) {
      if (job.lease?.factoryId !== factoryId) continue;
      // The retry policy's lease_lost rule: reclaim (counted only if retry.on says so), or stop a
      // job that keeps losing its factories.
      const d = decideLeaseLost(job.manifest.retry, job.attempts, job.leaseLosses, now, ctx.policy.jitter);
      const to = d.to === "dead_letter" ? "dead_letter" : "queued";
      try {
        await moveJob(ctx, job, to, {
          by: "sweeper",
          cause: `factory ${factoryId} went offline; ${d.cause}`,
          from: [...LEASED_STAGES],
          patch: {
            pendingReason: to === "queued" ? `factory ${factoryId} went offline; waiting for its lease to end` : d.cause,
            countLeaseLoss: true,
            ...(d.countAttempt ? { countAttempt: true } : {}),
            ...(d.to === "queued" && d.notBefore > now ? { notBefore: d.notBefore } : {}),
          },
        });
        n++;
      } catch (e) {
        if (!isStoreError(e, "conflict") && !isStoreError(e, "illegal_transition")) throw e;
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
  return n;
}
