import { priorityStyle, stageStyle } from "@/lib/ui/stage-style";
import { formatDuration } from "@/lib/ui/format";

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
