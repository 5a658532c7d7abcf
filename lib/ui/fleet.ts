/** Fleet map helpers: per-engine busy/free slots and the stale-heartbeat rule. */
import type { FactoryView, JobView } from "./api-types";

export interface StationUse {
  engine: string;
  slots: number;
  busy: number;
  free: number;
}

export function stationUse(f: Pick<FactoryView, "stations" | "free">): StationUse[] {
  return f.stations.map((s) => {
    const free = Math.max(0, Math.min(s.slots, f.free.find((x) => x.engine === s.engine)?.slots ?? 0));
    return { engine: s.engine, slots: s.slots, free, busy: s.slots - free };
  });
}

/** Running jobs grouped by the factory holding their lease. */
export function jobsByFactory(jobs: JobView[]): Map<string, JobView[]> {
  const out = new Map<string, JobView[]>();
  for (const j of jobs) {
    const f = j.lease?.factoryId;
    if (!f) continue;
    if (!out.has(f)) out.set(f, []);
    out.get(f)!.push(j);
  }
  return out;
}

/** Warm checkouts, from a `warm` field when the server sends one, else from `repo:` capabilities. */
export function warmRepos(f: FactoryView & { warm?: unknown }): string[] {
  if (Array.isArray(f.warm)) return f.warm.filter((w): w is string => typeof w === "string");
  return f.capabilities.filter((c) => c.startsWith("repo:"));
}

/** Statuses sorted the way an operator scans: problems first. */
export function statusRank(status: string): number {
  return ({ pending: -1, offline: 0, draining: 1, revoked: 3, online: 2 } as Record<string, number>)[status] ?? 4;
}
