import "server-only";
import type { CompleteRequest as WireComplete } from "@/lib/protocol";
import type { Stage } from "@/lib/types";
import type { ReapDecision } from "@/server/store/port";
import type { ProtectedMatch } from "@/lib/api/protected-paths";
import type { JobRecord } from "@/server/store/records";
import { stageAfterFailedPush, stageAfterTask } from "./delivery";
import { budgetBreaches, spendOf } from "./policies/budget";
import { deliveredOutOfScope, stageAfterGreenVerify } from "./policies/gates";
import { describeMatches, protectedMatches } from "./policies/protected-paths";
import { decideFailure, decideLeaseLost, type FailureKind, type Jitter } from "./policies/retry";

/**
 * Where an attempt leaves the job: DESIGN §Stages with the policies of issue 5, as pure functions
 * of (job before the write, the agent's report, now, jitter).
 *
 *   succeeded, verify passed → review → testing, or → shipped (review-policy auto, scope clean)
 *     … auto, but a changed file matches a protected path → stays in review for a person
 *   succeeded, verify failed → review → failed → (retry policy: queued | dead_letter | stays failed)
 *   succeeded, no verify     → review (waits for a person)
 *   failed / timeout / cancelled → failed → (retry policy)
 *   budget_exceeded, or a retry that the budget no longer covers → paused (a person resumes it)
 *   succeeded, the push failed → review (Retry push); a delivery task → shipped when done
 */
export interface NextStage {
  stage: Stage;
  via?: Stage[];
  countAttempt: boolean;
  cause: string;
  notBefore?: number;
  /** why the attempt failed, when it did */
  failure?: FailureKind;
  /** ceilings reached (the job is paused) */
  budget?: string[];
  /** files outside allowed-scope (ship is gated) */
  outOfScope?: string[];
  /** review-policy auto with pushed commits: the coordinator ships through the delivery (auto-ship.ts) */
  autoShip?: true;
  /** changed files protected-path globs caught (the job records them; auto does not ship them) */
  protectedPaths?: ProtectedMatch[];
}

/** `protectedGlobs`: the fleet's and the job's product's protected paths (policies/protected-paths.ts). */
export function stageAfterAttempt(job: JobRecord, report: WireComplete, now: number, jitter: Jitter, protectedGlobs: readonly string[] = []): NextStage {
  const m = job.manifest;
  // Delivery (delivery.ts): a task is done or failed for good on its own terms; a job whose push
  // failed waits in review for Retry push, whatever verify would have said.
  const delivered = job.task ? stageAfterTask(report) : stageAfterFailedPush(report);
  if (delivered) return delivered;
  if (report.outcome === "budget_exceeded") return paused(job, report, now, ["the agent stopped the attempt at its budget"]);
  if (report.outcome === "succeeded") {
    if (!report.verify) return { stage: "review", countAttempt: true, cause: "the engine exited 0; waiting for review" };
    if (report.verify.passed) {
      const outOfScope = deliveredOutOfScope(m["allowed-scope"], report.scope);
      const caught = protectedCaught(protectedGlobs, report);
      const marks = { ...(outOfScope.length ? { outOfScope } : {}), ...(caught.length ? { protectedPaths: caught } : {}) };
      if (caught.length && m["review-policy"] === "auto" && !outOfScope.length) {
        // The human gate auto would skip: the job waits in review, where Approve/Ship is a person's.
        return { stage: "review", countAttempt: true, cause: `verify passed, but protected paths changed: ${describeMatches(caught)}; needs a reviewer's approval`, ...marks };
      }
      const green = stageAfterGreenVerify(m["review-policy"], outOfScope, delivers(job, report));
      return { ...green, countAttempt: true, ...marks };
    }
    return afterFailure(job, report, now, jitter, "verify_failed", ["review", "failed"]);
  }
  return afterFailure(job, report, now, jitter, report.outcome === "timeout" ? "timeout" : "agent_failed", ["failed"]);
}

/**
 * What the protected paths caught. Commits with no scope report were not judged, so they count as
 * caught (fail closed, like allowed-scope's UNJUDGED_SCOPE): auto must not ship what nobody checked.
 */
function protectedCaught(globs: readonly string[], report: WireComplete): ProtectedMatch[] {
  if (globs.length === 0) return [];
  if (!report.scope) return report.commits?.length || report.delivery?.pushed ? [{ file: UNJUDGED_FILES, glob: "(unjudged)" }] : [];
  return protectedMatches(globs, report.scope.changed);
}

export const UNJUDGED_FILES = "(no scope report: the commits' files were not checked against protected paths)";

/**
 * The attempt pushed the job's own commits (a follow-up's land through its parent's PR, so it
 * keeps shipping by the stage as before).
 */
function delivers(job: JobRecord, report: WireComplete): boolean {
  return job.delivery !== undefined && !job.followUpOf && report.delivery?.pushed === true;
}

function afterFailure(job: JobRecord, report: WireComplete, now: number, jitter: Jitter, kind: FailureKind, via: Stage[]): NextStage {
  const d = decideFailure(job.manifest.retry, job.attempts, kind, now, jitter);
  if (d.to === "failed") return { stage: "failed", via: via.slice(0, -1), countAttempt: d.countAttempt, cause: d.cause, failure: kind };
  if (d.to === "queued") {
    // A retry is only worth it while the budget lasts; otherwise a person decides (resume with more).
    const breaches = breachesAfter(job, report, now);
    if (breaches.length > 0) return paused(job, report, now, breaches, kind);
    return { stage: "queued", via, countAttempt: d.countAttempt, cause: d.cause, notBefore: d.notBefore, failure: kind };
  }
  return { stage: "dead_letter", via, countAttempt: d.countAttempt, cause: d.cause, failure: kind };
}

function paused(job: JobRecord, report: WireComplete, now: number, extra: string[], failure?: FailureKind): NextStage {
  const breaches = [...new Set([...breachesAfter(job, report, now), ...extra])];
  return { stage: "paused", countAttempt: true, cause: `budget exceeded: ${breaches.join("; ")}`, budget: breaches, ...(failure ? { failure } : {}) };
}

/** The job's spend once this attempt is counted (its final report replaces its live cost events). */
function breachesAfter(job: JobRecord, report: WireComplete, now: number): string[] {
  const live = job.liveCost?.leaseId === job.lease?.id ? job.liveCost?.cost : undefined;
  const c = report.cost;
  const cost = {
    usd: job.cost.usd - (live?.usd ?? 0) + (c?.usd ?? live?.usd ?? 0),
    tokensIn: job.cost.tokensIn - (live?.tokensIn ?? 0) + (c?.tokensIn ?? live?.tokensIn ?? 0),
    tokensOut: job.cost.tokensOut - (live?.tokensOut ?? 0) + (c?.tokensOut ?? live?.tokensOut ?? 0),
    wallMs: job.cost.wallMs,
  };
  return budgetBreaches(job.manifest.budget, spendOf(cost, job.lease ? now - job.lease.grantedAt : 0));
}

/** An expired lease: the retry policy's lease_lost rule (reclaim, count, or stop after the bound). */
export function decideExpired(job: JobRecord, now: number, jitter: Jitter): ReapDecision {
  const d = decideLeaseLost(job.manifest.retry, job.attempts, job.leaseLosses, now, jitter);
  if (d.to === "dead_letter") return { to: "dead_letter", countAttempt: d.countAttempt };
  return { to: "queued", countAttempt: d.countAttempt, ...(d.to === "queued" && d.notBefore > now ? { notBefore: d.notBefore } : {}) };
}
