/** The scheduler's view of trace jobs and factories (seconds in the trace, milliseconds in the scheduler). */
import type { FactoryInput, JobInput, RunningLeaseView } from "@/server/scheduler";
import type { TraceFactory, TraceJob } from "./trace";

export const MS = 1000;

export function jobView(j: TraceJob, readyAt: number, revision = 0): JobInput {
  return {
    id: j.id,
    productId: j.product,
    manifest: j.manifest,
    stage: "queued",
    createdAt: j.submitAt * MS,
    queuedAt: readyAt * MS,
    attempts: 0,
    depsMet: true,
    preferEngines: [],
    revision,
  };
}

export function factoryView(
  f: TraceFactory,
  /** free slots per station, in the trace's station order (default: all free) */
  free: readonly number[] = f.stations.map((s) => s.slots),
  running: readonly RunningLeaseView[] = [],
  warm: readonly string[] = f.warm,
): FactoryInput {
  return {
    id: f.name,
    name: f.name,
    os: f.os,
    capabilities: f.capabilities,
    stations: f.stations.map((s, i) => ({ engine: s.engine, slots: s.slots, free: free[i] ?? s.slots })),
    recentFailures: f.recentFailures,
    healthy: true,
    status: "online",
    costPerHour: f.costPerHour,
    warmRepos: warm,
    running,
  };
}
