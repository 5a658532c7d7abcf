import "server-only";
import type { Station } from "@/lib/protocol";
import type { BudgetRemaining, FactoryInput, JobInput, RunningLeaseView } from "@/server/scheduler";
import type { FactoryRecord, JobRecord } from "@/server/store/records";
import { factoryHealth } from "../views";

/**
 * Store records → the scheduler's read-only inputs. Pure: the snapshot source calls these with the
 * records it read and the coordinator's clock, so a view never reflects anything the store did not say.
 */

/** `engine:<name>` hints in the resolved manifest are the profile's `prefers-engine`, in order. */
export function preferredEngines(job: JobRecord): string[] {
  if (job.manifest.engine) return [];
  const out: string[] = [];
  for (const hint of job.manifest.prefers) if (hint.startsWith("engine:")) out.push(hint.slice("engine:".length));
  return out;
}

function budgetRemaining(job: JobRecord): BudgetRemaining | undefined {
  const b = job.manifest.budget;
  if (!b || (b.usd === undefined && b.tokens === undefined && b.wall === undefined)) return undefined;
  const left: BudgetRemaining = {};
  if (b.usd !== undefined) left.usd = b.usd - job.cost.usd;
  if (b.tokens !== undefined) left.tokens = b.tokens - (job.cost.tokensIn + job.cost.tokensOut);
  if (b.wall !== undefined) left.wall = b.wall - job.cost.wallMs;
  return left;
}

export function toJobInput(job: JobRecord): JobInput {
  const budget = budgetRemaining(job);
  return {
    id: job.id,
    productId: job.productId,
    manifest: job.manifest,
    stage: job.stage,
    createdAt: job.createdAt,
    // A job that was never claimed has waited since submission; a requeued one since its last write
    // (the requeue). Good enough for aging, which works in tens of minutes.
    queuedAt: job.epoch === 0 ? job.createdAt : job.updatedAt,
    attempts: job.attempts,
    // `blocked` is the coordinator's "deps unmet" stage; every other stage has its deps met.
    depsMet: job.stage !== "blocked",
    preferEngines: preferredEngines(job),
    ...(budget ? { budgetRemaining: budget } : {}),
    // The store bumps `version` on every write: the index reuses a compiled job while it is unchanged.
    revision: job.version,
  };
}

export function osOf(os: string): FactoryInput["os"] {
  const o = os.toLowerCase();
  if (o === "mac" || o === "darwin" || o === "macos" || o === "osx") return "mac";
  if (o === "windows" || o === "win32" || o === "win") return "windows";
  return "linux";
}

export function runningLeaseOf(job: JobRecord): RunningLeaseView | undefined {
  const l = job.lease;
  if (!l || l.cancelled) return undefined;
  return { leaseId: l.id, jobId: job.id, productId: job.productId, priority: job.priority, engine: l.engine, startedAt: l.grantedAt };
}

/** A factory that is claiming right now is alive, whatever its last heartbeat says; a drained one stays drained. */
function statusOf(health: ReturnType<typeof factoryHealth>, claiming: boolean): FactoryInput["status"] {
  if (health === "draining") return "draining";
  if (health === "online" || (claiming && health === "offline")) return "online";
  return "offline";
}

export interface FactoryInputArgs {
  record: FactoryRecord;
  /** the leases this factory holds now (from the store) */
  running: readonly RunningLeaseView[];
  /** failed attempts on this factory in the recent window (this instance's count) */
  recentFailures: number;
  now: number;
  offlineAfterMs: number;
  /** the claimer's own report of its free stations, fresher than anything in the store */
  free?: readonly Station[];
}

/**
 * Free slots: the claimer's own report when it is the one claiming; otherwise the stations minus the
 * leases the store says it holds (a heartbeat's `free` is up to a heartbeat old, the leases are not).
 */
export function toFactoryInput(input: FactoryInputArgs): FactoryInput {
  const { record: f, running } = input;
  const health = factoryHealth(f, input.now, input.offlineAfterMs);
  const stations = f.stations.map((s) => {
    let free: number;
    if (input.free) {
      free = 0;
      for (const r of input.free) if (r.engine === s.engine) free += r.slots;
      free = Math.min(free, s.slots);
    } else {
      let busy = 0;
      for (const r of running) if (r.engine === s.engine) busy++;
      free = Math.max(0, s.slots - busy);
    }
    return { engine: s.engine, slots: s.slots, free };
  });
  return {
    id: f.id,
    name: f.name,
    os: osOf(f.os),
    capabilities: f.capabilities,
    stations,
    load: Math.max(0, Math.min(1, f.load)),
    recentFailures: input.recentFailures,
    // Failures lower the health score; only a factory we cannot reach is kept out (status, below).
    healthy: true,
    status: statusOf(health, input.free !== undefined),
    costPerHour: f.costPerHour ?? 0,
    warmRepos: f.warm,
    running,
  };
}
