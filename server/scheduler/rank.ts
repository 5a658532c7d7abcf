/**
 * The pull model. When factory F asks for work, rank the jobs F can run right now:
 *   aged priority, then score, then age (longest waiting first), then a seeded tie-break.
 * A job for which a clearly better factory is idle right now is skipped ("deferred to G") so that
 * G, claiming next, gets it; once a job has waited past its aging threshold it is never deferred
 * (a better factory that never claims must not starve it).
 *
 * Cost: one static check per job *group* (cached), O(1) per eligible job, one sort, and a fleet
 * scan only for the few groups whose jobs reach the top of the ranking (cached per group).
 */
import type { Priority } from "@/lib/types";
import { prepare, type DecisionContext, type SchedulerOptions } from "./context";
import { checkKillSwitch } from "./feasibility";
import {
  activeFleetChecks,
  factoryAvailable,
  factoryScore,
  factoryStateReasons,
  factoryTerms,
  fleetBlocked,
  freeEngine,
  groupScore,
  jobFactoryScore,
  jobScore,
  jobTerms,
  stationsOk,
  type ScoreInput,
} from "./pipeline";
import { agedPriority, pastAgingThreshold, priorityRank, waitedMs } from "./priority";
import { tieBreak } from "./prng";
import { REASON } from "./reasons";
import type { FactoryEntry, JobEntry } from "./scheduler-index";
import { costSensitivity } from "./scorers";
import { Heap } from "./top-k";
import type { Reason, ScoreTerm, Snapshot } from "./types";

export interface RankedJob {
  jobId: string;
  productId: string;
  engine: string;
  basePriority: Priority;
  /** the priority it competes at after aging */
  priority: Priority;
  score: number;
  terms: ScoreTerm[];
  waitedMs: number;
}

export interface Deferral {
  jobId: string;
  toFactoryId: string;
  toFactoryName: string;
  /** how much better the other factory scores for this job */
  advantage: number;
  /** the pending reason to record, "deferred to G" */
  reason: string;
}

export interface FactoryRanking {
  factoryId: string;
  /** best first; the coordinator tries them in order until a claim succeeds */
  ranked: RankedJob[];
  deferred: Deferral[];
  /** why the factory may take nothing at all (offline, draining, kill switch, …) */
  factoryReasons: Reason[];
  /** jobs the factory could run right now, before deferral and the limit */
  eligible: number;
}

export interface RankOptions extends SchedulerOptions {
  /** how many jobs to return (default config.rankLimit) */
  limit?: number;
}

interface Row {
  entry: JobEntry;
  engine: string;
  rank: number;
  score: number;
  /** the factory-dependent part of the score (what deferral compares) */
  factoryScore: number;
}

function tieOf(entry: JobEntry, seed: string): number {
  if (entry.tieSeed !== seed || entry.tie === undefined) {
    entry.tie = tieBreak(seed, entry.job.id);
    entry.tieSeed = seed;
  }
  return entry.tie;
}

function factoryBlocks(fe: FactoryEntry | undefined, factoryId: string, snapshot: Snapshot): Reason[] {
  if (!fe) return [{ code: REASON.factoryOffline, detail: `factory ${factoryId} is not in the snapshot` }];
  const kill = checkKillSwitch(snapshot);
  return [...(kill ? [kill] : []), ...factoryStateReasons(fe.factory)];
}

/** Factories that could start *something* right now: the only possible deferral targets. */
function availableFactories(ctx: DecisionContext, claimer: FactoryEntry): FactoryEntry[] {
  const out: FactoryEntry[] = [];
  for (const fe of ctx.index.factories()) {
    const f = fe.factory;
    if (fe === claimer || !factoryAvailable(f)) continue;
    if (f.stations.some((s) => s.free > 0)) out.push(fe);
  }
  return out;
}

/** The best *other* factory that could start this job right now, and its factory-dependent score. */
function bestIdleElsewhere(entry: JobEntry, available: readonly FactoryEntry[], ctx: DecisionContext): { fe: FactoryEntry; score: number } | null {
  let best: { fe: FactoryEntry; score: number } | null = null;
  const { group, job } = entry;
  for (const fe of available) {
    const st = ctx.index.staticFor(group, fe.offer);
    if (st.reasons.length > 0 || !stationsOk(group.req, fe.factory)) continue;
    const score = factoryScore({ job, req: group.req, factory: fe.factory, offer: fe.offer, capFit: st.capFit }, ctx);
    if (!best || score > best.score) best = { fe, score };
  }
  return best;
}

function before(seed: string) {
  return (a: Row, b: Row): boolean => {
    if (a.rank !== b.rank) return a.rank < b.rank;
    if (a.score !== b.score) return a.score > b.score;
    if (a.entry.job.queuedAt !== b.entry.job.queuedAt) return a.entry.job.queuedAt < b.entry.job.queuedAt;
    const ta = tieOf(a.entry, seed);
    const tb = tieOf(b.entry, seed);
    // Equal draws would need a 32-bit hash collision; the heap's order then stays deterministic anyway.
    return ta > tb;
  };
}

export function rankForFactory(snapshot: Snapshot, factoryId: string, options: RankOptions = {}): FactoryRanking {
  const ctx = prepare(snapshot, options);
  const limit = options.limit ?? ctx.config.rankLimit;
  const fe = ctx.index.factory(factoryId);
  const blocks = factoryBlocks(fe, factoryId, snapshot);
  if (!fe || blocks.length > 0) return { factoryId, ranked: [], deferred: [], factoryReasons: blocks, eligible: 0 };

  const rows: Row[] = [];
  const fleetChecks = activeFleetChecks(ctx);
  for (const { group, capFit } of ctx.index.feasibleGroups(fe.offer)) {
    const engine = freeEngine(group.req, fe.factory);
    if (engine === null) continue;
    // The pipeline's `group` scorers are the same for every job of the group: compute them once.
    const groupInput = { req: group.req, factory: fe.factory, offer: fe.offer, capFit };
    const groupPart = groupScore(groupInput, ctx);
    // One input object per group, its job swapped per row: the claim path's hot loop allocates nothing per job.
    let input: ScoreInput | undefined;
    for (const entry of group.jobs.values()) {
      // The job checks, split by scope: `self` ones are cached on the entry (selfBlocked), the `fleet`
      // ones that can fail in this snapshot run here (the kill switch also blocked the claim above).
      if (entry.selfBlocked) continue;
      const job = entry.job;
      if (fleetChecks.length > 0 && fleetBlocked(fleetChecks, job, group.req, ctx)) continue;
      if (input) input.job = job;
      else input = { ...groupInput, job };
      const fScore = groupPart + jobFactoryScore(input, ctx);
      const score = fScore + jobScore(input, ctx);
      rows.push({ entry, engine, rank: priorityRank(agedPriority(job, ctx.now, ctx.config)), score, factoryScore: fScore });
    }
  }
  const eligible = rows.length;
  const heap = new Heap(rows, before(snapshot.seed));

  const ranked: RankedJob[] = [];
  const deferred: Deferral[] = [];
  let available: FactoryEntry[] | undefined;
  // Deferral targets depend on the group and the job's cost sensitivity only.
  const elsewhere = new Map<string, { fe: FactoryEntry; score: number } | null>();
  for (let row = heap.pop(); row !== undefined && ranked.length < limit; row = heap.pop()) {
    const job = row.entry.job;
    if (!pastAgingThreshold(job, ctx.now, ctx.config)) {
      const key = `${row.entry.group.signature}\u0000${costSensitivity(job, ctx.config)}`;
      let other = elsewhere.get(key);
      if (other === undefined) {
        available ??= availableFactories(ctx, fe);
        other = bestIdleElsewhere(row.entry, available, ctx);
        elsewhere.set(key, other);
      }
      if (other && other.score - row.factoryScore >= ctx.config.deferMargin) {
        deferred.push({
          jobId: job.id,
          toFactoryId: other.fe.factory.id,
          toFactoryName: other.fe.factory.name,
          advantage: other.score - row.factoryScore,
          reason: `deferred to ${other.fe.factory.name}`,
        });
        continue;
      }
    }
    const input = { job, req: row.entry.group.req, factory: fe.factory, offer: fe.offer, capFit: ctx.index.staticFor(row.entry.group, fe.offer).capFit };
    const terms = [...factoryTerms(input, ctx), ...jobTerms(input, ctx)];
    ranked.push({
      jobId: job.id,
      productId: job.productId,
      engine: row.engine,
      basePriority: job.manifest.priority,
      priority: agedPriority(job, ctx.now, ctx.config),
      // The fast path's own sum; the property tests hold it equal to Σ of the explained terms.
      score: row.score,
      terms,
      waitedMs: waitedMs(job, ctx.now),
    });
  }
  return { factoryId, ranked, deferred, factoryReasons: [], eligible };
}
