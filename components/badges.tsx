import { priorityStyle, stageStyle } from "@/lib/ui/stage-style";
import { formatDuration } from "@/lib/ui/format";
import { prDisplayState, prStateStyle, type PullRequestView } from "@/lib/ui/pull-request";

/** A job's stage as a coloured pill; `data-stage` lets tests and CSS find it without reading colour. */
export function StageBadge({ stage }: { stage: string }) {
  const s = stageStyle(stage);
  return (
    <span className="badge" data-stage={stage} style={{ background: s.bg, color: s.fg }}>
      {s.label}
    </span>
  );
}

export function PriorityBadge({ priority }: { priority: string }) {
  const s = priorityStyle(priority);
  return (
    <span className="badge" data-priority={priority} style={{ background: s.bg, color: s.fg }} title={`priority ${s.label}`}>
      {s.label}
    </span>
  );
}

/** A queued job past its priority's SLA target (GET /scheduling): by how much, and the target, on hover. */
export function OverdueBadge({ overdue }: { overdue: { byMs: number; slaMs: number } }) {
  return (
    <span className="badge" data-testid="row-overdue" style={{ background: "#b91c1c", color: "#fff" }} title={`waiting ${formatDuration(overdue.byMs)} past its SLA of ${formatDuration(overdue.slaMs)}`}>
      overdue {formatDuration(overdue.byMs)}
    </span>
  );
}

/** A pull request's state (open / draft / merged / closed) as a pill; `data-pr-state` carries the word for tests. */
export function PrStateBadge({ pr }: { pr: Pick<PullRequestView, "state" | "draft"> }) {
  const s = prStateStyle(pr);
  return (
    <span className="badge" data-pr-state={prDisplayState(pr)} style={{ background: s.bg, color: s.fg }}>
      {s.label}
    </span>
  );
}

/** `#12` linked to the forge, then its state: the jobs table's PR cell and the Delivery panel's PR row. */
export function PrLink({ pr }: { pr: Pick<PullRequestView, "number" | "url" | "state" | "draft" | "owner" | "repo"> }) {
  return (
    <span className="row" style={{ gap: 6, display: "inline-flex" }}>
      <a href={safeForgeUrl(pr.url)} target="_blank" rel="noreferrer" data-testid="pr-link" title={`${pr.owner}/${pr.repo} pull request ${pr.number} (opens the forge)`}>
        #{pr.number}
      </a>
      <PrStateBadge pr={pr} />
    </span>
  );
}

/** Only http(s) links leave the page: a URL recorded from a forge is still data, not trusted markup. */
function safeForgeUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}
