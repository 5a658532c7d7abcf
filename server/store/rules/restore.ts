import "server-only";
import { StoreError } from "../errors";
import type { RestoreRecord } from "../port";
import type { JobRecord } from "../records";

/**
 * What a provider relies on while restoring (Store.restoreJobs), whatever checked the archive
 * before: records arrive grouped under their job, and a restored job holds no lease (a lease is
 * a promise about a running process, which a restore cannot bring back; both providers keep the
 * open run and lease on the job itself). Returns the job the record belongs to.
 */
export function restoreOwner(current: JobRecord | undefined, rec: RestoreRecord): JobRecord {
  if (rec.kind === "job") {
    if (rec.job.lease !== undefined) throw new StoreError("conflict", `job ${rec.job.id} holds a lease: only settled jobs can be restored`);
    return rec.job;
  }
  const jobId = rec.kind === "run" ? rec.run.jobId : rec.kind === "event" ? rec.event.jobId : rec.log.jobId;
  if (!current || current.id !== jobId) throw new StoreError("conflict", `a ${rec.kind} of job ${jobId} does not follow its job`);
  if (rec.kind === "run" && (rec.lease.id !== rec.run.id || rec.lease.jobId !== jobId)) {
    throw new StoreError("conflict", `run ${rec.run.id} of job ${jobId} comes with another run's lease record`);
  }
  return current;
}

export const storeHasJobs = (counts: Partial<Record<string, number>>) => Object.values(counts).some((n) => (n ?? 0) > 0);

export function notEmpty(): StoreError {
  return new StoreError("conflict", "the store already has jobs: import-archive restores into an empty store only");
}
