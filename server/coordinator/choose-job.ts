import "server-only";
import type { EventData } from "@/lib/events";
import type { Station } from "@/lib/protocol";
import { claimDecision, rankForFactory, type Decision, type RankedJob, type Snapshot } from "@/server/scheduler";
import type { FactoryRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import type { PlacementService } from "./placement/service";

/**
 * The claim path's placement: rank the jobs this factory can run right now with the scheduler
 * (`rankForFactory`, over the cached snapshot with the claimer's own free stations), and hand the
 * coordinator the ranked jobs to try in order. Jobs skipped for a clearly better idle factory get
 * "deferred to G" as their pending note. The decision recorded for the winner is `claimDecision`:
 * the candidates considered across the fleet with their score terms, the claimer as the winner.
 */
export interface Placement {
  jobId: string;
  /** the job's version in the snapshot: the claim is conditional on it */
  revision: number;
  engine: string;
  ranked: RankedJob;
  /** the manifest's `x-profile` ({name, version}) when the job was resolved through a profile */
  profile?: { name: string; version: string };
}

/**
 * The event keeps the scheduler's explanation with the rejected factories capped (their count is
 * kept); the copy on the job is smaller still, because the job document is rewritten by every later
 * write of the attempt (renew, events, complete) while the event is written once.
 */
const REJECTED_IN_EVENT = 20;
const CANDIDATES_ON_JOB = 3;
const REJECTED_ON_JOB = 5;

export interface ClaimDecision {
  /** the `decision:made` event's data */
  event: EventData<"decision:made">;
  /** what is stored on the job (`decision`) */
  onJob: Record<string, unknown>;
}

export class ClaimRound {
  constructor(
    private readonly svc: PlacementService,
    readonly factoryId: string,
    readonly snapshot: Snapshot,
    readonly placements: Placement[],
    readonly eligible: number,
  ) {}

  /** The explanation of claiming `p` (undefined if the scheduler would not place it here after all). */
  decide(p: Placement): ClaimDecision | undefined {
    const d: Decision = claimDecision(this.snapshot, this.factoryId, p.jobId, { index: this.svc.index });
    if (d.kind !== "placed") return undefined;
    const { rejected, candidates, ...rest } = d;
    const pull = {
      rank: this.placements.indexOf(p) + 1,
      eligible: this.eligible,
      ...(p.ranked.priority !== p.ranked.basePriority ? { aged: { from: p.ranked.basePriority, to: p.ranked.priority } } : {}),
      waitedMs: p.ranked.waitedMs,
    };
    const common = { ...rest, rejectedTotal: rejected.length, pull };
    return {
      event: { ...common, candidates, rejected: rejected.slice(0, REJECTED_IN_EVENT) },
      onJob: { ...common, candidates: candidates.slice(0, CANDIDATES_ON_JOB), rejected: rejected.slice(0, REJECTED_ON_JOB) },
    };
  }

  won(jobId: string, now: number): void {
    // Hidden from reads only at the version this claim was conditional on (a placement of this round).
    const revision = this.placements.find((x) => x.jobId === jobId)?.revision ?? 0;
    this.svc.source.claimed(jobId, revision, now);
    this.svc.pending.clear(jobId);
  }

  lost(jobId: string): void {
    this.svc.source.refused(jobId);
  }
}

export async function chooseJobs(
  ctx: CoordinatorContext,
  factory: FactoryRecord,
  free: readonly Station[],
  now: number,
  skip: ReadonlySet<string>,
): Promise<ClaimRound> {
  const svc = ctx.placement;
  const base = await svc.source.snapshot(now);
  const snapshot = svc.source.forClaimer(base, factory, free, now);
  // Jobs other claims of this process are taking right now are skipped, so ask for that many more.
  const ranking = rankForFactory(snapshot, factory.id, { index: svc.index, limit: 20 + skip.size });
  for (const d of ranking.deferred) svc.pending.note(d.jobId, d.reason, now);
  const placements: Placement[] = [];
  for (const r of ranking.ranked) {
    if (skip.has(r.jobId)) continue;
    const view = svc.source.job(r.jobId);
    if (!view) continue;
    const profile = profileRef(view.manifest["x-profile"]);
    placements.push({ jobId: r.jobId, revision: view.revision ?? 0, engine: r.engine, ranked: r, ...(profile ? { profile } : {}) });
  }
  return new ClaimRound(svc, factory.id, snapshot, placements, ranking.eligible);
}

function profileRef(p: unknown): { name: string; version: string } | undefined {
  const o = p as { name?: unknown; version?: unknown } | undefined;
  return o && typeof o.name === "string" && typeof o.version === "string" ? { name: o.name, version: o.version } : undefined;
}
