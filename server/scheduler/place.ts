/**
 * The push view: where would this job go right now, and why (or why not anywhere)? Evaluates the
 * job on every factory, keeps every failed constraint of every factory, and ranks the feasible
 * ones by score, breaking ties with the seeded PRNG.
 */
import { prepare, type DecisionContext, type SchedulerOptions } from "./context";
import { evaluateOnFactory } from "./evaluate";
import { tieBreak } from "./prng";
import { REASON } from "./reasons";
import type { JobEntry } from "./scheduler-index";
import { jobLevelReasons, jobTerms, total } from "./pipeline";
import { unplacedSentence, type RejectionWithStatic } from "./sentence";
import type { Candidate, Decision, Reason, ReasonCounts, Snapshot } from "./types";

export interface RankedCandidate extends Candidate {
  tie: number;
}

export interface JobEvaluation {
  entry: JobEntry;
  jobReasons: Reason[];
  feasible: RankedCandidate[];
  rejections: RejectionWithStatic[];
}

export function compareCandidates(a: RankedCandidate, b: RankedCandidate): number {
  return b.score - a.score || b.tie - a.tie;
}

/** Evaluates one job against the whole fleet (all factories, all reasons). */
export function evaluateJob(entry: JobEntry, ctx: DecisionContext): JobEvaluation {
  const job = entry.job;
  const jobReasons = jobLevelReasons(job, entry.group.req, ctx);
  const jt = jobTerms({ job }, ctx);
  const feasible: RankedCandidate[] = [];
  const rejections: RejectionWithStatic[] = [];
  for (const fe of ctx.index.factories()) {
    const fit = evaluateOnFactory(entry, fe, ctx);
    if (fit.ok) {
      const terms = [...fit.terms, ...jt];
      feasible.push({
        factoryId: fe.factory.id,
        factoryName: fe.factory.name,
        engine: fit.engine,
        score: total(terms),
        terms,
        tie: tieBreak(ctx.snapshot.seed, job.id, fe.factory.id),
      });
    } else {
      rejections.push({ factoryId: fe.factory.id, name: fe.factory.name, reasons: fit.reasons, staticOk: fit.staticOk });
    }
  }
  feasible.sort(compareCandidates);
  return { entry, jobReasons, feasible, rejections };
}

export function countReasons(jobReasons: readonly Reason[], rejections: readonly RejectionWithStatic[]): ReasonCounts {
  const counts: ReasonCounts = {};
  for (const r of jobReasons) counts[r.code] = (counts[r.code] ?? 0) + 1;
  for (const f of rejections) for (const r of f.reasons) counts[r.code] = (counts[r.code] ?? 0) + 1;
  return counts;
}

function stripStatic(r: RejectionWithStatic) {
  return { factoryId: r.factoryId, name: r.name, reasons: r.reasons };
}

export function toDecision(ev: JobEvaluation, ctx: DecisionContext): Decision {
  const jobId = ev.entry.job.id;
  const counts = countReasons(ev.jobReasons, ev.rejections);
  const best = ev.feasible[0];
  if (ev.jobReasons.length > 0 || !best) {
    return {
      kind: "unplaced",
      jobId,
      jobReasons: ev.jobReasons,
      factories: ev.rejections.map(stripStatic),
      counts,
      explanation: unplacedSentence(ev.entry.group.req, ev.jobReasons, ev.rejections, [...ctx.index.factories()]),
    };
  }
  return {
    kind: "placed",
    jobId,
    factoryId: best.factoryId,
    factoryName: best.factoryName,
    engine: best.engine,
    score: best.score,
    terms: best.terms,
    candidates: ev.feasible.slice(0, ctx.config.maxCandidates).map(({ tie: _tie, ...c }) => c),
    feasibleCount: ev.feasible.length,
    rejected: ev.rejections.map(stripStatic),
    counts,
  };
}

export function unknownJob(jobId: string): Decision {
  return {
    kind: "unplaced",
    jobId,
    jobReasons: [{ code: REASON.notQueued, detail: `job ${jobId} is not in the snapshot` }],
    factories: [],
    counts: { [REASON.notQueued]: 1 },
    explanation: `job ${jobId} is not in the snapshot`,
  };
}

/** Where `jobId` would run right now, with the full explanation; or every reason it cannot. */
export function placeJob(snapshot: Snapshot, jobId: string, options?: SchedulerOptions): Decision {
  const ctx = prepare(snapshot, options);
  const entry = ctx.index.job(jobId);
  if (!entry) return unknownJob(jobId);
  return toDecision(evaluateJob(entry, ctx), ctx);
}

/**
 * The explanation to record when factory `factoryId` has claimed `jobId` in the pull model: the
 * claimer as the winner with its score terms, beside the best candidates across the fleet (which
 * may score higher but were busy claiming, or not idle, at that moment). Unplaced, with every
 * reason, if the claimer cannot in fact run the job.
 */
export function claimDecision(snapshot: Snapshot, factoryId: string, jobId: string, options?: SchedulerOptions): Decision {
  const ctx = prepare(snapshot, options);
  const entry = ctx.index.job(jobId);
  if (!entry) return unknownJob(jobId);
  const ev = evaluateJob(entry, ctx);
  const mine = ev.feasible.find((c) => c.factoryId === factoryId);
  if (!mine || ev.jobReasons.length > 0) {
    const rejection = ev.rejections.filter((r) => r.factoryId === factoryId);
    const d = toDecision({ ...ev, feasible: [], rejections: rejection }, ctx);
    return d.kind === "unplaced" && rejection.length === 0 && ev.jobReasons.length === 0
      ? { ...d, jobReasons: [{ code: REASON.factoryOffline, detail: `factory ${factoryId} is not in the snapshot` }] }
      : d;
  }
  return toDecision({ ...ev, feasible: [mine, ...ev.feasible.filter((c) => c !== mine)] }, ctx);
}
