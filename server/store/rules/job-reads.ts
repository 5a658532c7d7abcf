import "server-only";
import { StoreError } from "../errors";
import type { ClaimCandidateQuery, Fence, ReapDecision, ReapedLease } from "../port";
import type { EpochMs, JobRecord, LeaseRecord, RunRecord } from "../records";
import { checkFence, openLeaseRecordOf, openRunOf, planReap, withOpen, type ReapPlan } from "./jobs";

/**
 * The rules both providers apply around a job write or read, beside the plans of jobs.ts: which job
 * an agent's append writes to, which run a complete names, how ended and open records list, what a
 * reap reports. Providers only read and write.
 */

/**
 * The job an append (events, log chunks) writes to: `not_found` when absent; with a fence, the
 * lease must be the job's current one (an agent that is stopping still reports: cancelled is allowed).
 */
export function appendTarget(job: JobRecord | undefined, jobId: string, fence?: Fence & { now: EpochMs }): JobRecord {
  if (!job) throw new StoreError("not_found", `no job ${jobId}`);
  if (fence) checkFence(job, fence.leaseId, fence.epoch, fence.now, true);
  return job;
}

/** The run a complete of `leaseId` refers to: the ended one once stored, else the open one while the job holds that lease. */
export function runOfLease(ended: RunRecord | undefined, job: JobRecord | undefined, leaseId: string): RunRecord | undefined {
  return ended ?? (job?.lease?.id === leaseId ? openRunOf(job) : undefined);
}

/** A job's runs: the ended ones stored, plus the open one that lives on the job. */
export const runsOf = (ended: RunRecord[], job: JobRecord | undefined) => withOpen(ended, job && openRunOf(job));

/** A job's lease history: the ended leases stored, plus the open one that lives on the job. */
export const leasesOf = (ended: LeaseRecord[], job: JobRecord | undefined) => withOpen(ended, job && openLeaseRecordOf(job));

/** An empty product list matches nothing (absent: every product). */
export const noCandidates = (q: Pick<ClaimCandidateQuery, "productIds">) => q.productIds !== undefined && q.productIds.length === 0;

/** Each distinct lock once; a lock nobody holds is absent from the answer. */
export async function holdersOf(locks: string[], holder: (lock: string) => Promise<string | undefined> | string | undefined): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const lock of new Set(locks)) {
    const jobId = await holder(lock);
    if (jobId !== undefined) out[lock] = jobId;
  }
  return out;
}

/** The reap plan of a job read back after the scan (gone, or renewed since: null, it keeps its lease). */
export function reapPlanOf(job: JobRecord | undefined, now: EpochMs, decide: (job: JobRecord) => ReapDecision): ReapPlan | null {
  return job?.lease ? planReap(job, openRunOf(job), now, decide) : null;
}

/** What the sweeper is told about a reaped lease. */
export function reapedOf(job: JobRecord, plan: ReapPlan): ReapedLease {
  return { jobId: job.id, productId: job.productId, leaseId: plan.leaseId, epoch: plan.epoch, stage: plan.job.stage };
}
