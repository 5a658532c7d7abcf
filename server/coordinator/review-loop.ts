import "server-only";
import type { JobRecord, PullRequestRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";

/**
 * The review loop (issue 15 item 5): when a job's pull request turns to failing checks or a
 * reviewer requests changes, a follow-up job continues the same branch with that feedback as its
 * prompt. The pull-request code calls this after every write of a job's PR record (open, poll,
 * webhook) with the record it replaced.
 */
export async function afterPullRequestChange(ctx: CoordinatorContext, job: JobRecord, before: PullRequestRecord | undefined): Promise<void> {
  // Being built in this session by the review-loop work; until it lands a PR change queues nothing.
  void ctx;
  void job;
  void before;
}
