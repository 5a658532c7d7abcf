import "server-only";
import type { CompleteRequest as WireComplete } from "@/lib/protocol";
import type { Stage } from "@/lib/types";
import type { ReapDecision } from "@/server/store/port";
import type { JobRecord } from "@/server/store/records";

/**
 * Where an attempt leaves the job: the Phase-0 rules of DESIGN §Stages, as pure functions so the
 * next issue's policies (retry with backoff, budgets, auto-ship on a green verify) replace these two
 * functions and nothing else.
 *
 *   succeeded, verify passed → review → testing
 *   succeeded, verify failed → review → failed
 *   succeeded, no verify     → review (waits for a person)
 *   failed / timeout / budget_exceeded / cancelled (by the agent) → failed
 */
export interface NextStage {
  stage: Stage;
  via?: Stage[];
  countAttempt: boolean;
  cause: string;
}

export function stageAfterAttempt(_job: JobRecord, report: WireComplete): NextStage {
  if (report.outcome === "succeeded") {
    if (!report.verify) return { stage: "review", countAttempt: true, cause: "the engine exited 0; waiting for review" };
    return report.verify.passed
      ? { stage: "testing", via: ["review"], countAttempt: true, cause: "the engine exited 0 and verify passed" }
      : { stage: "failed", via: ["review"], countAttempt: true, cause: `verify failed (exit ${report.verify.exitCode ?? "killed"})` };
  }
  const causes = {
    failed: `the engine failed (exit ${report.exitCode ?? "killed"})`,
    timeout: "the attempt timed out",
    cancelled: "the agent cancelled the attempt",
    budget_exceeded: "the budget was exceeded",
  } as const;
  return { stage: "failed", countAttempt: true, cause: causes[report.outcome] };
}

/** An expired lease returns its job to the queue (retry limits are the next issue's policy). */
export function decideExpired(_job: JobRecord): ReapDecision {
  return { to: "queued", countAttempt: false };
}
