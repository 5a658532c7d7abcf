/**
 * The pull request's facts inside the Delivery panel's list: the link and state, checks, review,
 * mergeability and when the coordinator last read them from the forge. Each is a word with a
 * colour (lib/ui/pull-request.ts), so none depends on colour alone.
 */
import type { BadgeStyle } from "@/lib/ui/stage-style";
import { checksStyle, mergeabilityStyle, reviewStyle, type PullRequestView } from "@/lib/ui/pull-request";
import { PrLink } from "../badges";

function Fact({ style, testId, value }: { style: BadgeStyle; testId: string; value: string }) {
  return (
    <span className="badge" data-testid={testId} data-value={value} style={{ background: style.bg, color: style.fg }}>
      {style.label}
    </span>
  );
}

export function PullRequestFacts({ pr }: { pr: PullRequestView }) {
  return (
    <>
      <dt>Pull request</dt>
      <dd data-testid="delivery-pr">
        <PrLink pr={pr} /> <span className="muted">{pr.owner}/{pr.repo}</span>
      </dd>
      <dt>Checks</dt>
      <dd>
        <Fact style={checksStyle(pr.checks)} testId="pr-checks" value={pr.checks} />
      </dd>
      <dt>Review</dt>
      <dd>
        <Fact style={reviewStyle(pr.review)} testId="pr-review" value={pr.review} />
      </dd>
      <dt>Mergeable</dt>
      <dd>
        <Fact style={mergeabilityStyle(pr)} testId="pr-mergeable" value={pr.mergeableState} />
      </dd>
      <dt>Read from the forge</dt>
      <dd className="muted" data-testid="pr-refreshed">
        <time dateTime={pr.refreshedAt}>{pr.refreshedAt.replace("T", " ").replace(/\.\d+Z$/, "Z")}</time>
      </dd>
    </>
  );
}
