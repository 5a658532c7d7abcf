import "server-only";
import { parseTrackerItem } from "@/lib/tracker-item";
import type { PullRequestSummary } from "@/server/forge/github/pr-body";
import type { JobRecord, RunRecord } from "@/server/store/records";
import type { CoordinatorContext } from "../context";
import { redactDeep } from "../redaction";
import { pullRequestTarget } from "./target";

/** What the pull request's body says about the job: its latest attempt's verify, scope, engine and factory. */
export async function summaryOf(ctx: CoordinatorContext, job: JobRecord): Promise<PullRequestSummary> {
  const runs = await ctx.store.listRuns(job.id);
  const last: RunRecord | undefined = [...runs].reverse().find((r) => r.outcome === "succeeded") ?? runs[runs.length - 1];
  const verify: PullRequestSummary["verify"] = last?.verify ? (last.verify.passed ? "passed" : "failed") : job.manifest.verify ? "pending" : "none";
  const scope = last?.scope;
  const factory = last ? ((await ctx.store.getFactory(last.factoryId))?.name ?? last.factoryId) : "—";
  const base = (ctx.forge?.publicUrl ?? "http://localhost:3000").replace(/\/$/, "");
  return {
    jobId: job.id,
    // What leaves for the forge passes the same redaction as the job's logs.
    title: redactDeep(job.title),
    prompt: redactDeep(job.body),
    verify,
    scope: scope
      ? [`${scope.changed.length} file${scope.changed.length === 1 ? "" : "s"} changed`, ...(scope.outOfScope.length ? [`outside allowed-scope: ${scope.outOfScope.join(", ")}`] : [])]
      : [],
    ...(job.cost.usd > 0 ? { costUsd: job.cost.usd } : {}),
    engine: last?.engine ?? job.manifest.engine ?? "—",
    factory,
    jobUrl: `${base}/jobs/${job.id}`,
    ...issueOf(ctx, job),
  };
}

/** `Closes #N` when the job came from an issue of the PR's own repository (the tracker intake sets tracker-item). */
function issueOf(ctx: CoordinatorContext, job: JobRecord): { issueNumber?: number } {
  const item = job.manifest["tracker-item"];
  const p = item ? parseTrackerItem(item) : undefined;
  const ref = pullRequestTarget(ctx, job)?.ref;
  if (!p?.ok || p.ref.tracker !== "github" || !ref) return {};
  return p.ref.owner.toLowerCase() === ref.owner.toLowerCase() && p.ref.repo.toLowerCase() === ref.repo.toLowerCase() ? { issueNumber: p.ref.number } : {};
}
