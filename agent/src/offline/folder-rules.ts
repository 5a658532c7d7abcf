/**
 * Where a folder run leaves its job: the coordinator's own rules (server/coordinator/completion.ts),
 * from the same pure pieces in lib/ (stages, the retry policy), so a job file goes through the same
 * stages offline as online (issue 17 §4; test/offline/parity.test.ts holds both to it):
 *
 *   budget_exceeded                         → paused
 *   succeeded, no verify                    → review
 *   succeeded, verify passed                → review → testing (→ shipped: review-policy auto, scope clean)
 *   succeeded, verify failed                → review → failed, then the retry policy
 *   failed / timeout / cancelled            → failed, then the retry policy
 *   retry policy (lib/retry.ts):  not in retry.on → stays failed · retried → queued (back to inbox/
 *                                 after the backoff) · exhausted → dead_letter
 *
 * The folder has no paused/ or dead_letter/ (CONTRACT §3): those land in failed/, and the result
 * file says which stage the coordinator would give (`stages`, `history`). Not mirrored: delivery
 * (the folder pushes nothing) and the budget's usd/tokens (no prices offline).
 */
import type { ResolvedJob } from "@/lib/profile";
import type { CompleteRequest } from "@/lib/protocol";
import { decideFailure, type FailureKind } from "@/lib/retry";
import type { Stage } from "@/lib/types";
import type { JobResult } from "../run/job-runner";
import type { StageDir } from "./folder";

export interface FolderNext {
  /** the stages after building, in the coordinator's names; the last is where the job is */
  stages: Stage[];
  /** the folder where the file goes */
  dir: StageDir;
  /** retried: not before this time */
  notBefore?: number;
  cause: string;
}

/** `attempts`: attempts already counted before this one; `wallLeftMs`: the budget's wall left after it. */
export function folderNext(job: ResolvedJob, r: Pick<JobResult, "outcome" | "exitCode">, c: CompleteRequest | undefined, attempts: number, now: number, wallLeftMs?: number): FolderNext {
  const m = job.manifest;
  if (r.outcome === "budget_exceeded") return { stages: ["paused"], dir: "failed", cause: "the agent stopped the attempt at its budget" };
  if (r.outcome === "succeeded" && r.exitCode === 0) {
    if (!c?.verify) return { stages: ["review"], dir: "review", cause: "the engine exited 0; waiting for review" };
    if (c.verify.passed) {
      const outOfScope = c.scope?.outOfScope.length ?? 0;
      if (outOfScope === 0 && m["review-policy"] === "auto") return { stages: ["review", "testing", "shipped"], dir: "shipped", cause: "verify passed and the scope is clean; review-policy auto ships it" };
      return { stages: ["review", "testing"], dir: "testing", cause: outOfScope ? `verify passed, but ${outOfScope} file(s) changed outside allowed-scope` : "verify passed; waiting for a person to ship" };
    }
    return afterFailure(job, attempts, now, "verify_failed", ["review", "failed"], wallLeftMs);
  }
  return afterFailure(job, attempts, now, r.outcome === "timeout" ? "timeout" : "agent_failed", ["failed"], wallLeftMs);
}

function afterFailure(job: ResolvedJob, attempts: number, now: number, kind: FailureKind, via: Stage[], wallLeftMs?: number): FolderNext {
  const d = decideFailure(job.manifest.retry, attempts, kind, now, Math.random);
  if (d.to === "failed") return { stages: via, dir: "failed", cause: d.cause };
  if (d.to === "dead_letter") return { stages: [...via, "dead_letter"], dir: "failed", cause: d.cause };
  // A retry is only worth it while the budget lasts (as online: paused for a person instead).
  if (wallLeftMs !== undefined && wallLeftMs <= 0) return { stages: ["paused"], dir: "failed", cause: `budget exceeded: wall; ${d.cause}` };
  return { stages: [...via, "queued"], dir: "inbox", notBefore: d.notBefore, cause: d.cause };
}

