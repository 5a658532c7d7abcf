import "server-only";
import { LEASED_STAGES } from "@/lib/stages";
import type { EventRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import { jobEvent, type JobEvent } from "./events";
import { factoryHealth } from "./views";

/**
 * Alerts. Job alerts are raised as `alert:raised` events on the job when they happen (budget
 * breach and dead letter by the completion path, stalls by the sweeper); `GET /stats` lists the
 * alerts that are open now, derived from the store each time so every app instance agrees and an
 * alert closes by itself when its cause goes (job requeued/resumed, factory back, log resumes).
 */
export type AlertKind = "job_stalled" | "failure_spike" | "budget_exceeded" | "factory_offline" | "dead_letter";

export interface Alert {
  kind: AlertKind;
  subject: string;
  message: string;
  since: string;
}

export function alertEvent(kind: AlertKind, message: string, at: number): JobEvent {
  return jobEvent("alert:raised", at, { kind, message });
}

/** Leased jobs whose last log (or grant, if none) is older than the stall window. */
export async function stalledJobs(ctx: CoordinatorContext) {
  const { stallMs } = ctx.policy;
  const now = ctx.now();
  const out: { jobId: string; epoch: number; silentMs: number; title: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.store.listJobs({ stage: [...LEASED_STAGES] }, cursor, 200);
    for (const j of page.items) {
      if (!j.lease || j.lease.cancelled) continue;
      const last = (await ctx.store.lastLogAt(j.id, j.lease.epoch)) ?? j.lease.grantedAt;
      if (now - last >= stallMs) out.push({ jobId: j.id, epoch: j.lease.epoch, silentMs: now - last, title: j.title });
    }
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Sweeper step: one `alert:raised` (job_stalled) per stalled attempt. */
export async function raiseStallAlerts(ctx: CoordinatorContext): Promise<number> {
  const seen = ctx.raisedStalls;
  let n = 0;
  for (const s of await stalledJobs(ctx)) {
    const key = `${s.jobId}:${s.epoch}`;
    if (seen.has(key)) continue;
    seen.add(key);
    await ctx.store.appendEvents(s.jobId, [alertEvent("job_stalled", `no log for ${Math.round(s.silentMs / 1000)} s while leased (attempt ${s.epoch})`, ctx.now())]);
    ctx.notifier.jobChanged(s.jobId);
    n++;
  }
  return n;
}

function isFailure(e: EventRecord): boolean {
  if (e.type === "lease:expired") return true;
  if (e.type !== "stage:changed") return false;
  const to = (e.data as { to?: string }).to;
  return to === "failed" || to === "dead_letter";
}

export async function openAlerts(ctx: CoordinatorContext, productId?: string): Promise<Alert[]> {
  const now = ctx.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const mine = (p: string) => productId === undefined || p === productId;
  const alerts: Alert[] = [];
  for (const s of await stalledJobs(ctx)) {
    alerts.push({ kind: "job_stalled", subject: s.jobId, message: `${s.title}: no log for ${Math.round(s.silentMs / 1000)} s while leased`, since: iso(now - s.silentMs) });
  }
  for (const stage of ["dead_letter", "paused"] as const) {
    const page = await ctx.store.listJobs({ stage, ...(productId ? { productId } : {}) }, undefined, 200);
    for (const j of page.items) {
      if (stage === "dead_letter") alerts.push({ kind: "dead_letter", subject: j.id, message: `${j.title} is in dead_letter after ${j.attempts} attempt(s)`, since: iso(j.updatedAt) });
      else if (j.pendingReason?.startsWith("budget exceeded")) alerts.push({ kind: "budget_exceeded", subject: j.id, message: `${j.title}: ${j.pendingReason}`, since: iso(j.updatedAt) });
    }
  }
  for (const f of await ctx.store.listFactories()) {
    if (mine(f.productId) && factoryHealth(f, now, ctx.offlineAfterMs) === "offline") {
      alerts.push({ kind: "factory_offline", subject: f.id, message: `factory ${f.name} is offline (last heartbeat ${iso(f.lastHeartbeatAt)})`, since: iso(f.lastHeartbeatAt) });
    }
  }
  const { failureSpike, failureWindowMs } = ctx.policy;
  const recent = await ctx.store.readRecentEvents(undefined, 2_000);
  const failures = recent.map((r) => r.event).filter((e) => e.at >= now - failureWindowMs && mine(e.productId) && isFailure(e));
  if (failures.length >= failureSpike) {
    alerts.push({ kind: "failure_spike", subject: productId ?? "fleet", message: `${failures.length} failures in the last ${Math.round(failureWindowMs / 60_000)} min`, since: iso(Math.min(...failures.map((e) => e.at))) });
  }
  return alerts;
}
