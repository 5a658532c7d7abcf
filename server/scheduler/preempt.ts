/**
 * Preemption: a `critical` job that no free station can take may displace a `low` job running on a
 * factory that could otherwise run the critical one. We pick the victim that loses the least work
 * (the most recently started), then the better-scoring factory, then a seeded tie-break. The
 * coordinator cancels the returned lease with reason `preempted` and requeues that job with no
 * attempt counted against it; the critical job then takes the freed station on the next claim.
 *
 * Only station shortage is solved by preemption: a job blocked by a lock, deps, budget, the kill
 * switch, or a fleet that lacks its capabilities is not helped by cancelling someone else.
 */
import { prepare, type SchedulerOptions } from "./context";
import { evaluateOnFactory } from "./evaluate";
import { evaluateJob } from "./place";
import { tieBreak } from "./prng";
import { REASON } from "./reasons";
import { factoryScore } from "./pipeline";
import type { Snapshot } from "./types";

export const PREEMPTED = "preempted" as const;

export type PreemptionDecision =
  | {
      kind: "preempt";
      jobId: string;
      leaseId: string;
      victimJobId: string;
      factoryId: string;
      factoryName: string;
      engine: string;
      reason: typeof PREEMPTED;
      detail: string;
    }
  | { kind: "none"; jobId: string; detail: string };

interface Victim {
  leaseId: string;
  victimJobId: string;
  factoryId: string;
  factoryName: string;
  engine: string;
  startedAt: number;
  factoryScore: number;
  tie: number;
}

export function findPreemption(snapshot: Snapshot, jobId: string, options?: SchedulerOptions): PreemptionDecision {
  const ctx = prepare(snapshot, options);
  const entry = ctx.index.job(jobId);
  if (!entry) return { kind: "none", jobId, detail: `job ${jobId} is not in the snapshot` };
  if (entry.job.manifest.priority !== "critical") return { kind: "none", jobId, detail: "only critical jobs may preempt" };
  const ev = evaluateJob(entry, ctx);
  if (ev.jobReasons.length > 0) {
    return { kind: "none", jobId, detail: `preemption would not help: ${ev.jobReasons.map((r) => r.detail).join("; ")}` };
  }
  if (ev.feasible.length > 0) return { kind: "none", jobId, detail: "a free station can take it" };

  const victims: Victim[] = [];
  for (const fe of ctx.index.factories()) {
    const st = ctx.index.staticFor(entry.group, fe.offer);
    if (st.reasons.length > 0) continue;
    // The factory must fail only for want of a station: evaluate it as if one were free.
    const fit = evaluateOnFactory(entry, fe, ctx);
    if (fit.ok || fit.reasons.some((r) => r.code !== REASON.noFreeStation)) continue;
    for (const lease of fe.factory.running) {
      if (lease.priority !== "low" || !entry.group.req.engines.includes(lease.engine)) continue;
      victims.push({
        leaseId: lease.leaseId,
        victimJobId: lease.jobId,
        factoryId: fe.factory.id,
        factoryName: fe.factory.name,
        engine: lease.engine,
        startedAt: lease.startedAt,
        factoryScore: factoryScore({ job: entry.job, req: entry.group.req, factory: fe.factory, offer: fe.offer, capFit: st.capFit }, ctx),
        tie: tieBreak(snapshot.seed, jobId, lease.leaseId),
      });
    }
  }
  victims.sort((a, b) => b.startedAt - a.startedAt || b.factoryScore - a.factoryScore || b.tie - a.tie);
  const v = victims[0];
  if (!v) return { kind: "none", jobId, detail: "no low-priority job runs on a factory that could take it" };
  return {
    kind: "preempt",
    jobId,
    leaseId: v.leaseId,
    victimJobId: v.victimJobId,
    factoryId: v.factoryId,
    factoryName: v.factoryName,
    engine: v.engine,
    reason: PREEMPTED,
    detail: `preempt ${v.victimJobId} (low) on ${v.factoryName} to start ${jobId} (critical)`,
  };
}
