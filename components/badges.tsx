import { priorityStyle, stageStyle } from "@/lib/ui/stage-style";

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
