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
import { evaluateOnFactory } from "./evaluate";
import { checkFactoryHealth, checkFactoryStatus, checkKillSwitch, isReason, jobLevelReasons, pickFreeStation } from "./feasibility";
import { agedPriority, pastAgingThreshold, priorityRank, waitedMs } from "./priority";
import { tieBreak } from "./prng";
import { REASON } from "./reasons";
import type { FactoryEntry, JobEntry } from "./scheduler-index";
import { costFit, costSensitivity, factoryTerms, fairness, jobTerms, starvation, total } from "./scorers";
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
  const out: Reason[] = [];
  for (const r of [checkKillSwitch(snapshot), checkFactoryStatus(fe.factory), checkFactoryHealth(fe.factory)]) if (r) out.push(r);
  return out;
}

/** The best *other* factory that could start this job right now, and its factory-dependent score. */
function bestIdleElsewhere(entry: JobEntry, claimer: FactoryEntry, ctx: DecisionContext): { fe: FactoryEntry; score: number } | null {
  let best: { fe: FactoryEntry; score: number } | null = null;
  for (const fe of ctx.index.factories()) {
    if (fe === claimer) continue;
    const fit = evaluateOnFactory(entry, fe, ctx);
    if (fit.ok && (!best || fit.score > best.score)) best = { fe, score: fit.score };
  }
  return best;
}

export function rankForFactory(snapshot: Snapshot, factoryId: string, options: RankOptions = {}): FactoryRanking {
  const ctx = prepare(snapshot, options);
  const limit = options.limit ?? ctx.config.rankLimit;
  const fe = ctx.index.factory(factoryId);
  const blocks = factoryBlocks(fe, factoryId, snapshot);
  if (!fe || blocks.length > 0) return { factoryId, ranked: [], deferred: [], factoryReasons: blocks, eligible: 0 };

  const { weights } = ctx.config;
  const rows: Row[] = [];
  for (const group of ctx.index.groups()) {
    const st = ctx.index.staticFor(group, fe.offer);
    if (st.reasons.length > 0) continue;
    const station = pickFreeStation(group.req, fe.factory);
    if (isReason(station)) continue;
    // Everything factory-dependent except cost is the same for the whole group.
    let groupPart = 0;
    let jobCache: JobEntry | undefined;
    for (const entry of group.jobs.values()) {
      const job = entry.job;
      if (jobLevelReasons(job, group.req, ctx).length > 0) continue;
      if (jobCache === undefined) {
        jobCache = entry;
        const terms = factoryTerms(job, group.req, fe.factory, fe.offer, st.capFit, ctx);
        groupPart = total(terms.filter((t) => t.name !== "cost-fit"));
      }
      const factoryScore = groupPart + weights["cost-fit"] * costFit(costSensitivity(job, ctx.config), fe.factory, ctx.maxCostPerHour);
      const score = factoryScore + weights.starvation * starvation(job, ctx) + weights.fairness * fairness(job, ctx);
      rows.push({ entry, engine: station.engine, rank: priorityRank(agedPriority(job, ctx.now, ctx.config)), score, factoryScore });
    }
  }

  const seed = snapshot.seed;
  rows.sort(
    (a, b) =>
      a.rank - b.rank ||
      b.score - a.score ||
      a.entry.job.queuedAt - b.entry.job.queuedAt ||
      tieOf(b.entry, seed) - tieOf(a.entry, seed) ||
      (a.entry.job.id < b.entry.job.id ? -1 : 1),
  );

  const ranked: RankedJob[] = [];
  const deferred: Deferral[] = [];
  // Deferral targets depend on the group and the job's cost sensitivity only.
  const elsewhere = new Map<string, { fe: FactoryEntry; score: number } | null>();
  for (const row of rows) {
    if (ranked.length >= limit) break;
    const job = row.entry.job;
    if (!pastAgingThreshold(job, ctx.now, ctx.config)) {
      const key = `${row.entry.group.signature}\u0000${costSensitivity(job, ctx.config)}`;
      let other = elsewhere.get(key);
      if (other === undefined) {
        other = bestIdleElsewhere(row.entry, fe, ctx);
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
    const terms = [
      ...factoryTerms(job, row.entry.group.req, fe.factory, fe.offer, ctx.index.staticFor(row.entry.group, fe.offer).capFit, ctx),
      ...jobTerms(job, ctx),
    ];
    ranked.push({
      jobId: job.id,
      productId: job.productId,
      engine: row.engine,
      basePriority: job.manifest.priority,
      priority: agedPriority(job, ctx.now, ctx.config),
      score: total(terms),
      terms,
      waitedMs: waitedMs(job, ctx.now),
    });
  }
  return { factoryId, ranked, deferred, factoryReasons: [], eligible: rows.length };
}
