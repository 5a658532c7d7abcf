/**
 * A lower bound on the makespan of any schedule of the trace, the yardstick for the report:
 * the largest of
 *   - the dependency chain: earliest finish with unlimited factories (submit times respected);
 *   - each capability pool: the work only a set S of factories can do ÷ the slots S has for it,
 *     after the earliest submit of that work (S = each distinct capable set, and the whole fleet);
 *   - each lock: its jobs run one at a time.
 * Jobs that can never run are left out (they are reported as unplaceable).
 */
import type { Capable } from "./feasible-sets";
import type { Trace, TraceJob } from "./trace";

export interface LowerBound {
  value: number;
  /** what sets it, e.g. "pool os:mac (mac-1, mac-2)", "chain a → b → c", "lock web" */
  boundBy: string;
}

function chainBound(jobs: readonly TraceJob[]): LowerBound {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const finish = new Map<string, { at: number; path: string[] }>();
  const visit = (j: TraceJob): { at: number; path: string[] } => {
    const known = finish.get(j.id);
    if (known) return known;
    let start = j.submitAt;
    let path: string[] = [];
    for (const d of j.manifest.deps) {
      const dep = byId.get(d);
      if (!dep) continue;
      const f = visit(dep);
      if (f.at > start) {
        start = f.at;
        path = f.path;
      }
    }
    const r = { at: start + j.duration, path: [...path, j.id] };
    finish.set(j.id, r);
    return r;
  };
  let best: LowerBound = { value: 0, boundBy: "empty" };
  for (const j of jobs) {
    const f = visit(j);
    if (f.at > best.value) best = { value: f.at, boundBy: `chain ${f.path.join(" → ")}` };
  }
  return best;
}

export function lowerBound(trace: Trace, capable: ReadonlyMap<string, Capable>, placeable: ReadonlySet<string>): LowerBound {
  const jobs = trace.jobs.filter((j) => placeable.has(j.id));
  let best = chainBound(jobs);
  const consider = (value: number, boundBy: string) => {
    if (value > best.value + 1e-9) best = { value, boundBy };
  };

  const pools = new Map<string, string[]>();
  pools.set(trace.factories.map((f) => f.name).sort().join(","), trace.factories.map((f) => f.name));
  for (const j of jobs) {
    const set = [...capable.get(j.id)!.factories].sort();
    pools.set(set.join(","), set);
  }
  for (const members of pools.values()) {
    const inPool = new Set(members);
    const work = jobs.filter((j) => capable.get(j.id)!.factories.every((f) => inPool.has(f)));
    if (work.length === 0) continue;
    const engines = new Set(work.flatMap((j) => capable.get(j.id)!.req.engines));
    const slots = trace.factories
      .filter((f) => inPool.has(f.name))
      .reduce((n, f) => n + f.stations.filter((s) => engines.has(s.engine)).reduce((k, s) => k + s.slots, 0), 0);
    const total = work.reduce((w, j) => w + j.duration, 0);
    const release = Math.min(...work.map((j) => j.submitAt));
    const label = members.length === trace.factories.length ? "capacity (whole fleet)" : `pool ${members.join(", ")}`;
    consider(release + total / slots, label);
  }

  const locks = new Map<string, TraceJob[]>();
  for (const j of jobs) if (j.manifest.lock) locks.set(j.manifest.lock, [...(locks.get(j.manifest.lock) ?? []), j]);
  for (const [lock, held] of locks) {
    consider(Math.min(...held.map((j) => j.submitAt)) + held.reduce((w, j) => w + j.duration, 0), `lock ${lock}`);
  }
  return best;
}
