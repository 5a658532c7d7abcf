import "server-only";
import type { EventView, FactoryView, JobView } from "@/lib/api";
import { trackerItemUrl } from "@/lib/tracker-item";
import type { ForgeConfig } from "@/server/forge";
import type { EventRecord, FactoryRecord, JobRecord, RunRecord } from "@/server/store/records";
import { overdueMs, type SlaTargets } from "./sla";
import { shipLabel } from "./ship-label";

/** Store records → API shapes: ISO times, no internal bookkeeping (token hashes, versions). */
const iso = (ms: number) => new Date(ms).toISOString();

export function jobView(job: JobRecord, opts: { body?: boolean; runs?: RunRecord[]; sla?: { targets: SlaTargets; now: number }; forge?: ForgeConfig | undefined } = {}): JobView {
  return { ...baseJobView(job, opts), ...deliveryView(job, opts.forge), ...trackerView(job, opts.forge) };
}

/** `tracker: {item, url}` (CONTRACT §2) for a job from a tracker item; the url on the configured GitHub host. */
function trackerView(job: JobRecord, forge: ForgeConfig | undefined): Pick<JobView, "tracker"> {
  const item = job.manifest["tracker-item"];
  if (!item) return {};
  // on a GitHub Enterprise (or test double) server, its pages are where its API is, port and all
  const url = trackerItemUrl(item, forge?.webHost);
  return { tracker: { item, ...(url ? { url } : {}) } };
}

/** The job's delivery with what Ship will do, and a delivery task's target. */
function deliveryView(job: JobRecord, forge: ForgeConfig | undefined): Pick<JobView, "delivery" | "task" | "followUpOf"> {
  const out: Pick<JobView, "delivery" | "task" | "followUpOf"> = {};
  if (job.delivery) {
    const { pushedAt, pr, ...rest } = job.delivery;
    out.delivery = {
      ...rest,
      ...(pushedAt !== undefined ? { pushedAt: iso(pushedAt) } : {}),
      ...(pr ? { pr: { ...pr, refreshedAt: iso(pr.refreshedAt) } } : {}),
      shipLabel: shipLabel({ forge }, job) ?? "",
    };
  }
  if (job.task) out.task = job.task;
  if (job.followUpOf) out.followUpOf = job.followUpOf;
  return out;
}

function baseJobView(job: JobRecord, opts: { body?: boolean; runs?: RunRecord[]; sla?: { targets: SlaTargets; now: number } }): JobView {
  const late = opts.sla ? overdueMs(job, opts.sla.targets, opts.sla.now) : 0;
  return {
    id: job.id,
    productId: job.productId,
    title: job.title,
    stage: job.stage,
    priority: job.priority,
    manifest: job.manifest as unknown as Record<string, unknown>,
    ...(opts.body ? { body: job.body } : {}),
    ...(job.profile ? { profile: job.profile } : {}),
    ...(job.idempotencyKey ? { idempotencyKey: job.idempotencyKey } : {}),
    deps: job.deps,
    blockedReasons: job.blockedReasons,
    ...(job.pendingReason ? { pendingReason: job.pendingReason } : {}),
    ...(late > 0 ? { overdue: { byMs: late, slaMs: opts.sla!.targets[job.priority] } } : {}),
    ...(job.protectedPaths?.length ? { protectedPaths: job.protectedPaths } : {}),
    ...(job.decision !== undefined ? { decision: job.decision } : {}),
    attempts: job.attempts,
    epoch: job.epoch,
    ...(job.lease
      ? {
          lease: {
            id: job.lease.id,
            epoch: job.lease.epoch,
            factoryId: job.lease.factoryId,
            engine: job.lease.engine,
            grantedAt: iso(job.lease.grantedAt),
            expiresAt: iso(job.lease.expiresAt),
            ...(job.lease.cancelled ? { cancelled: true } : {}),
          },
        }
      : {}),
    cost: job.cost,
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
    ...(opts.runs ? { runs: opts.runs.map(runView) } : {}),
  };
}

export function runView(run: RunRecord) {
  const { startedAt, endedAt, ...rest } = run;
  return { ...rest, startedAt: iso(startedAt), ...(endedAt !== undefined ? { endedAt: iso(endedAt) } : {}) };
}

export function eventView(e: EventRecord): EventView {
  return {
    seq: e.seq,
    type: e.type,
    at: iso(e.at),
    data: e.data,
    ...(e.leaseId ? { leaseId: e.leaseId } : {}),
  };
}

export type FactoryHealth = "pending" | "online" | "offline" | "draining" | "revoked";

export function factoryHealth(f: FactoryRecord, now: number, offlineAfterMs: number): FactoryHealth {
  if (f.status === "revoked" || f.status === "draining" || f.status === "offline" || f.status === "pending") return f.status;
  return now - f.lastHeartbeatAt > offlineAfterMs ? "offline" : "online";
}

export function factoryView(f: FactoryRecord, now: number, offlineAfterMs: number): FactoryView {
  return {
    id: f.id,
    name: f.name,
    os: f.os,
    arch: f.arch,
    version: f.version,
    capabilities: f.capabilities,
    stations: f.stations,
    free: f.free,
    warm: f.warm,
    costPerHour: f.costPerHour ?? 0,
    status: f.status,
    health: factoryHealth(f, now, offlineAfterMs),
    load: f.load,
    running: f.running.length,
    lastHeartbeatAt: iso(f.lastHeartbeatAt),
    secondsSinceHeartbeat: Math.max(0, Math.round((now - f.lastHeartbeatAt) / 100) / 10),
  };
}
