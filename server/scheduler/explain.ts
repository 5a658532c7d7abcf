/**
 * Why is this job still waiting? The structured reasons of the push view plus one sentence, for
 * `GET /jobs/{id}` and the UI's pending column.
 */
import { prepare, type SchedulerOptions } from "./context";
import { evaluateJob, toDecision, unknownJob } from "./place";
import type { FactoryRejection, Reason, ReasonCounts, Snapshot } from "./types";

export interface PendingExplanation {
  jobId: string;
  /** false when some factory could start it right now (it waits only for that factory to claim) */
  blocked: boolean;
  sentence: string;
  jobReasons: Reason[];
  factories: FactoryRejection[];
  counts: ReasonCounts;
  /** the best factory that could take it now, if any */
  placeableOn?: { factoryId: string; factoryName: string; engine: string };
}

export function explainPending(snapshot: Snapshot, jobId: string, options?: SchedulerOptions): PendingExplanation {
  const ctx = prepare(snapshot, options);
  const entry = ctx.index.job(jobId);
  const d = entry ? toDecision(evaluateJob(entry, ctx), ctx) : unknownJob(jobId);
  if (d.kind === "unplaced") {
    return { jobId, blocked: true, sentence: d.explanation, jobReasons: d.jobReasons, factories: d.factories, counts: d.counts };
  }
  return {
    jobId,
    blocked: false,
    sentence: `can start now on ${d.factoryName} (${d.engine}); waiting for it to claim`,
    jobReasons: [],
    factories: d.rejected,
    counts: d.counts,
    placeableOn: { factoryId: d.factoryId, factoryName: d.factoryName, engine: d.engine },
  };
}
