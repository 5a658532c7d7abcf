import type { EventView } from "@/lib/ui/api-types";

/** One line per event, newest last; log events are in the log tail, not here. */
export function Timeline({ events }: { events: EventView[] }) {
  const shown = events.filter((e) => e.type !== "run:log");
  return (
    <section className="panel" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      {shown.length === 0 ? (
        <p className="muted">no events yet</p>
      ) : (
        <ol aria-label="events" style={{ margin: 0, paddingLeft: 30, maxHeight: 320, overflow: "auto" }}>
          {shown.map((e) => (
            <li key={e.seq} data-event-type={e.type}>
              <span className="mono muted">{new Date(e.at).toISOString().slice(11, 19)}</span> <strong>{e.type}</strong>{" "}
              <span className="muted">{summarize(e.data)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function summarize(data: unknown): string {
  if (data === undefined || data === null) return "";
  if (typeof data !== "object") return String(data);
  const d = data as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof d.from === "string" && typeof d.to === "string") parts.push(`${d.from} → ${d.to}`);
  for (const key of ["reason", "cause", "factoryName", "engine", "passed", "exitCode", "outcome", "by"]) {
    const v = d[key];
    if (v !== undefined && (typeof v === "string" || typeof v === "number" || typeof v === "boolean")) parts.push(`${key}: ${v}`);
  }
  if (parts.length) return parts.join(", ");
  const json = JSON.stringify(d);
  return json.length > 160 ? `${json.slice(0, 157)}…` : json;
}
