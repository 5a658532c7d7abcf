/**
 * The review loop on the job page: the follow-up jobs that continue this job's branch (queued when
 * its PR's checks failed or changes were requested), and on a follow-up, the job it continues.
 */
import Link from "next/link";
import type { JobView } from "@/lib/ui/api-types";
import { followUpReasonText } from "@/lib/ui/pull-request";

export function FollowUpOf({ followUpOf }: { followUpOf: NonNullable<JobView["followUpOf"]> }) {
  return (
    <p data-testid="follow-up-of">
      Follow-up round {followUpOf.round} of job <Link href={`/jobs/${encodeURIComponent(followUpOf.of)}`}>{followUpOf.of}</Link>: {followUpReasonText(followUpOf.reason)}.{" "}
      <span className="muted">Its commits go onto that job&apos;s branch: ship that job to merge them.</span>
    </p>
  );
}

export function FollowUpList({ ids }: { ids: readonly string[] }) {
  if (ids.length === 0) return null;
  return (
    <div>
      <h3 id="follow-ups-heading" style={{ fontSize: 13, margin: "8px 0 4px" }}>
        Follow-up jobs
      </h3>
      <ol aria-labelledby="follow-ups-heading" data-testid="follow-ups" style={{ margin: 0, paddingLeft: 20 }}>
        {ids.map((id) => (
          <li key={id}>
            <Link href={`/jobs/${encodeURIComponent(id)}`}>{id}</Link>
          </li>
        ))}
      </ol>
    </div>
  );
}
