/**
 * Where the job's commits went (issue 15): the pushed branch and its head, the base branch, the
 * pull request with its checks, review and mergeability, the merge SHA once shipped, and why the
 * last push or merge failed. A delivery task's page links to the job it delivers; the review loop's
 * follow-ups link both ways.
 */
import Link from "next/link";
import type { JobView } from "@/lib/ui/api-types";
import { FollowUpList, FollowUpOf } from "./follow-up-links";
import { PullRequestFacts } from "./pull-request-facts";

const short = (sha: string | undefined) => (sha ? sha.slice(0, 12) : "—");

export function DeliveryPanel({
  delivery,
  task,
  followUpOf,
  followUpRefused,
}: {
  delivery: JobView["delivery"];
  task: JobView["task"];
  followUpOf?: JobView["followUpOf"];
  /** the review loop's last word when it queued nothing (lib/ui/pull-request lastFollowUpRefusal) */
  followUpRefused?: { why: string };
}) {
  if (!delivery && !task && !followUpOf) return null;
  // The forge's merge SHA is the truth for a PR; the plain-git merge task records its own.
  const mergeSha = delivery?.mergeSha ?? delivery?.pr?.mergeSha;
  return (
    <section className="panel" aria-labelledby="delivery-heading" data-testid="delivery">
      <h2 id="delivery-heading">Delivery</h2>
      {task && (
        <p>
          {task.kind === "merge" ? "Merges" : "Pushes"} the branch of job <Link href={`/jobs/${task.of}`}>{task.of}</Link> with the factory&apos;s own git (no engine runs).
        </p>
      )}
      {followUpOf && <FollowUpOf followUpOf={followUpOf} />}
      {delivery && (
        <dl className="kv">
          <dt>Mode</dt>
          <dd>{delivery.mode === "pr" ? "pull request" : delivery.mode === "merge" ? "direct to the base branch" : "pushed branch"}</dd>
          <dt>Branch</dt>
          <dd className="mono" data-testid="delivery-branch">{delivery.branch}</dd>
          <dt>Base</dt>
          <dd className="mono">{delivery.baseBranch ?? "the remote's default branch"}</dd>
          <dt>Head</dt>
          <dd className="mono" data-testid="delivery-head" title={delivery.headSha}>
            {short(delivery.headSha)}
            {delivery.headSha && delivery.lastPushed === delivery.headSha ? " (pushed)" : delivery.headSha ? " (on the factory only)" : ""}
          </dd>
          {delivery.pr && <PullRequestFacts pr={delivery.pr} />}
          <dt>Merge</dt>
          <dd className="mono" data-testid="delivery-merge" title={mergeSha}>
            {short(mergeSha)}
          </dd>
          {delivery.task && (
            <>
              <dt>Under way</dt>
              <dd>
                {delivery.task.kind} task <Link href={`/jobs/${delivery.task.jobId}`}>{delivery.task.jobId}</Link>
              </dd>
            </>
          )}
        </dl>
      )}
      {delivery?.followUps && <FollowUpList ids={delivery.followUps} />}
      {delivery?.pr && followUpRefused && (
        <p data-testid="follow-up-refused">
          No follow-up job was queued: <span className="mono">{followUpRefused.why}</span>
        </p>
      )}
      {delivery?.pushError && (
        <p role="alert" data-testid="push-error">
          Push failed ({delivery.pushError.reason}): <span className="mono">{delivery.pushError.message}</span>
        </p>
      )}
      {delivery?.shipError && (
        <p role="alert" data-testid="ship-error">
          Ship failed ({delivery.shipError.reason}): <span className="mono">{delivery.shipError.message}</span>
        </p>
      )}
    </section>
  );
}
