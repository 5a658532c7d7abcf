/**
 * The discrete-event fleet simulator. Time jumps from event to event (a job submitted, a job
 * finished); after each instant every factory with a free station claims, exactly as agents do in
 * the pull model. With the "scheduler" policy a claim is `rankForFactory` of the real scheduler
 * (same module, the simulated clock as `now`), and a `critical` job that nothing can take may
 * preempt through `findPreemption`. With the "fifo" policy jobs go first-come first-served onto
 * the first capable factory with a free station (still capability- and lock-correct): the
 * baseline the report compares against.
 *
 * Every start is checked independently against the factory's advertised capabilities with
 * lib/capability, so a scheduler bug shows up as a capability miss rather than a nice number.
 */
import { satisfies } from "@/lib/capability";
import type { Priority } from "@/lib/types";
import { PRIORITIES } from "@/lib/types";
import {
  createIndex,
  findPreemption,
  rankForFactory,
  type FactoryInput,
  type JobInput,
  type RunningLeaseView,
  type SchedulerIndex,
  type Snapshot,
} from "@/server/scheduler";
import { repoKey } from "@/server/scheduler/requirements";
import type { Capable } from "./feasible-sets";
import type { Trace, TraceFactory, TraceJob } from "./trace";
import { factoryView, jobView, MS } from "./views";

export type Policy = "scheduler" | "fifo";

export interface JobOutcome {
  id: string;
  product: string;
  priority: Priority;
  readyAt: number;
  startAt: number;
  endAt: number;
  factory: string;
  engine: string;
  preempted: number;
}

export interface RunResult {
  policy: Policy;
  outcomes: JobOutcome[];
  /** slot-seconds a station was leased (including work later lost to preemption) */
  busySlotSeconds: number;
  capabilityMisses: { jobId: string; factory: string; missing: string[] }[];
  preemptions: number;
  lostWorkSeconds: number;
  /** distinct jobs that were ever deferred to a better factory */
  deferredJobs: number;
  /** jobs that were placeable but never started (must be empty; a stall is a bug) */
  stuck: string[];
}

interface Lease {
  id: string;
  job: SimJob;
  engine: string;
  station: number;
  startedAt: number;
}

interface SimFactory {
  trace: TraceFactory;
  free: number[];
  leases: Map<string, Lease>;
  warm: string[];
  advertised: Set<string>;
  view: FactoryInput | null;
}

interface SimJob {
  trace: TraceJob;
  order: number;
  waitingOn: number;
  dependents: SimJob[];
  arrived: boolean;
  readyAt: number;
  /** set while queued */
  view: JobInput | null;
  revision: number;
  preempted: number;
  outcome?: JobOutcome;
}

interface Completion {
  at: number;
  seq: number;
  factory: SimFactory;
  leaseId: string;
}

class Clock {
  private readonly heap: Completion[] = [];
  push(c: Completion): void {
    this.heap.push(c);
    this.heap.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
  peek(): Completion | undefined {
    return this.heap[0];
  }
  shift(): Completion | undefined {
    return this.heap.shift();
  }
  get size(): number {
    return this.heap.length;
  }
}

function advertisedOf(f: TraceFactory): Set<string> {
  return new Set([...f.capabilities, `os:${f.os}`, ...f.stations.map((s) => `engine:${s.engine}`)]);
}

export function runSimulation(trace: Trace, policy: Policy, capable: ReadonlyMap<string, Capable>, placeable: ReadonlySet<string>): RunResult {
  const factories: SimFactory[] = trace.factories.map((f) => ({
    trace: f,
    free: f.stations.map((s) => s.slots),
    leases: new Map(),
    warm: [...f.warm],
    advertised: advertisedOf(f),
    view: null,
  }));
  const jobs = new Map<string, SimJob>();
  trace.jobs.forEach((t, order) => {
    if (placeable.has(t.id)) jobs.set(t.id, { trace: t, order, waitingOn: 0, dependents: [], arrived: false, readyAt: 0, view: null, revision: 0, preempted: 0 });
  });
  for (const j of jobs.values()) {
    for (const d of j.trace.manifest.deps) {
      const dep = jobs.get(d)!;
      dep.dependents.push(j);
      j.waitingOn++;
    }
  }
  const arrivals = [...jobs.values()].sort((a, b) => a.trace.submitAt - b.trace.submitAt || a.order - b.order);
  const queue = new Map<string, SimJob>();
  const locks: Record<string, string> = {};
  const used: Record<string, number> = {};
  const clock = new Clock();
  const index: SchedulerIndex = createIndex();
  const result: RunResult = { policy, outcomes: [], busySlotSeconds: 0, capabilityMisses: [], preemptions: 0, lostWorkSeconds: 0, deferredJobs: 0, stuck: [] };
  const deferred = new Set<string>();
  let seq = 0;
  let now = 0;

  const enqueue = (j: SimJob, at: number, fresh: boolean) => {
    if (fresh) j.readyAt = at;
    j.revision++;
    j.view = jobView(j.trace, at, j.revision);
    queue.set(j.trace.id, j);
  };

  const viewOf = (f: SimFactory): FactoryInput => {
    f.view ??= factoryView(
      f.trace,
      f.free,
      [...f.leases.values()].map(
        (l): RunningLeaseView => ({
          leaseId: l.id,
          jobId: l.job.trace.id,
          productId: l.job.trace.product,
          priority: l.job.trace.manifest.priority,
          engine: l.engine,
          startedAt: l.startedAt * MS,
        }),
      ),
      f.warm,
    );
    return f.view;
  };

  const snapshot = (): Snapshot => ({
    now: now * MS,
    seed: trace.seed,
    jobs: [...queue.values()].map((j) => j.view!),
    factories: factories.map(viewOf),
    locks: { ...locks },
    killSwitch: false,
    pausedProducts: [],
    fairness: usage(),
  });

  // Run-seconds per product so far (finished work plus the elapsed part of running work): what the
  // coordinator can know. The job's full duration is not used: the real scheduler never sees it.
  const usage = (): Record<string, { used: number }> => {
    const out: Record<string, { used: number }> = {};
    for (const [p, u] of Object.entries(used)) out[p] = { used: u };
    for (const f of factories) {
      for (const l of f.leases.values()) {
        const p = l.job.trace.product;
        out[p] = { used: (out[p]?.used ?? 0) + (now - l.startedAt) };
      }
    }
    return out;
  };

  const start = (j: SimJob, f: SimFactory, engine: string) => {
    const station = f.trace.stations.findIndex((s, i) => s.engine === engine && f.free[i]! > 0);
    if (station < 0) throw new Error(`simulator: ${f.trace.name} has no free ${engine} station for ${j.trace.id}`);
    const missing = capable.get(j.trace.id)!.req.caps.filter((c) => !satisfies(c.cap, f.advertised)).map((c) => c.canonical);
    if (missing.length > 0) result.capabilityMisses.push({ jobId: j.trace.id, factory: f.trace.name, missing });
    f.free[station]!--;
    const lease: Lease = { id: `L${++seq}`, job: j, engine, station, startedAt: now };
    f.leases.set(lease.id, lease);
    const repo = j.trace.manifest.repo;
    if (repo && !f.warm.map(repoKey).includes(repoKey(repo))) f.warm = [...f.warm, repo];
    f.view = null;
    queue.delete(j.trace.id);
    j.view = null;
    if (j.trace.manifest.lock) locks[j.trace.manifest.lock] = j.trace.id;
    used[j.trace.product] ??= 0;
    j.outcome = {
      id: j.trace.id,
      product: j.trace.product,
      priority: j.trace.manifest.priority,
      readyAt: j.readyAt,
      startAt: now,
      endAt: now + j.trace.duration,
      factory: f.trace.name,
      engine,
      preempted: j.preempted,
    };
    clock.push({ at: now + j.trace.duration, seq, factory: f, leaseId: lease.id });
  };

  const release = (f: SimFactory, lease: Lease) => {
    f.leases.delete(lease.id);
    f.free[lease.station]!++;
    f.view = null;
    result.busySlotSeconds += now - lease.startedAt;
    used[lease.job.trace.product] = (used[lease.job.trace.product] ?? 0) + (now - lease.startedAt);
    const lock = lease.job.trace.manifest.lock;
    if (lock && locks[lock] === lease.job.trace.id) delete locks[lock];
  };

  const claimWithScheduler = (): boolean => {
    let progress = false;
    for (const f of factories) {
      while (f.free.some((n) => n > 0) && queue.size > 0) {
        const r = rankForFactory(snapshot(), f.trace.name, { index, limit: 1 });
        for (const d of r.deferred) deferred.add(d.jobId);
        const top = r.ranked[0];
        if (!top) break;
        start(queue.get(top.jobId)!, f, top.engine);
        progress = true;
      }
    }
    if (progress) return true;
    // Nothing free fits: let a waiting critical job displace a low one (at most one per pass).
    const critical = [...queue.values()].filter((j) => j.trace.manifest.priority === "critical").sort((a, b) => a.readyAt - b.readyAt || a.order - b.order);
    for (const j of critical) {
      const p = findPreemption(snapshot(), j.trace.id, { index });
      if (p.kind !== "preempt") continue;
      const f = factories.find((x) => x.trace.name === p.factoryId)!;
      const lease = f.leases.get(p.leaseId)!;
      release(f, lease);
      result.preemptions++;
      result.lostWorkSeconds += now - lease.startedAt;
      lease.job.preempted++;
      lease.job.outcome = undefined;
      // Requeued with no attempt counted; it keeps its original readiness for the wait statistics.
      enqueue(lease.job, now, false);
      return true;
    }
    return false;
  };

  const claimFifo = (): boolean => {
    let progress = false;
    const order = [...queue.values()].sort((a, b) => a.readyAt - b.readyAt || a.order - b.order);
    for (const j of order) {
      const lock = j.trace.manifest.lock;
      if (lock && locks[lock] !== undefined) continue;
      const c = capable.get(j.trace.id)!;
      for (const f of factories) {
        if (!c.factories.includes(f.trace.name)) continue;
        const engine = c.req.engines.find((e) => f.trace.stations.some((s, i) => s.engine === e && f.free[i]! > 0));
        if (!engine) continue;
        start(j, f, engine);
        progress = true;
        break;
      }
    }
    return progress;
  };

  let next = 0;
  while (next < arrivals.length || clock.size > 0) {
    const nextArrival = arrivals[next]?.trace.submitAt ?? Infinity;
    const nextDone = clock.peek()?.at ?? Infinity;
    now = Math.min(nextArrival, nextDone);
    while (clock.peek() && clock.peek()!.at <= now) {
      const c = clock.shift()!;
      const lease = c.factory.leases.get(c.leaseId);
      if (!lease) continue; // preempted
      release(c.factory, lease);
      result.outcomes.push(lease.job.outcome!);
      for (const d of lease.job.dependents) {
        d.waitingOn--;
        if (d.waitingOn === 0 && d.arrived) enqueue(d, now, true);
      }
    }
    while (next < arrivals.length && arrivals[next]!.trace.submitAt <= now) {
      const j = arrivals[next++]!;
      j.arrived = true;
      if (j.waitingOn === 0) enqueue(j, now, true);
    }
    while (policy === "scheduler" ? claimWithScheduler() : claimFifo()) {
      /* claim until nothing more starts at this instant */
    }
  }
  result.stuck = [...jobs.values()].filter((j) => !j.outcome).map((j) => j.trace.id);
  result.deferredJobs = deferred.size;
  result.outcomes.sort((a, b) => a.startAt - b.startAt || (a.id < b.id ? -1 : 1));
  return result;
}

export const PRIORITY_ORDER: readonly Priority[] = PRIORITIES;
