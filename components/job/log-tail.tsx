"use client";
/** The live log: ANSI colours per stream, follow (auto-scroll) or pause, and a reconnect indicator. */
import { useEffect, useMemo, useRef } from "react";
import { createAnsiStream, stripAnsi } from "@/lib/ui/ansi";
import { visibleLines, type LogBufferState } from "@/lib/ui/log-buffer";
import type { StreamStatus } from "../use-sse";

export function LogTail({
  buffer,
  status,
  follow,
  onFollowChange,
  downloadHref,
  downloadName,
}: {
  buffer: LogBufferState;
  status: StreamStatus;
  follow: boolean;
  onFollowChange: (follow: boolean) => void;
  /** the stored log as text/plain (GET /jobs/{id}/logs): every line, where the tail keeps the last ones */
  downloadHref?: string;
  downloadName?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const lines = visibleLines(buffer);
  // One converter per stream so colour state crosses chunk boundaries; cache HTML per line key.
  const converters = useRef({ stdout: createAnsiStream(), stderr: createAnsiStream(), system: createAnsiStream() });
  const cache = useRef(new Map<string, string>());
  const html = useMemo(
    () =>
      lines.map((l) => {
        if (l.key.startsWith("partial:")) return escapeOnly(stripAnsi(l.text));
        let h = cache.current.get(l.key);
        if (h === undefined) {
          h = converters.current[l.stream].push(l.text);
          cache.current.set(l.key, h);
        }
        return h;
      }),
    [lines],
  );

  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [html, follow]);

  return (
    <section className="panel" aria-labelledby="log-heading">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2 id="log-heading">Log</h2>
        <div className="row">
          <span className="muted" data-testid="stream-status">
            {status === "live" ? "● live" : status}
          </span>
          {downloadHref && (
            <a href={downloadHref} download={downloadName} data-testid="download-log">
              Download log
            </a>
          )}
          <button type="button" aria-pressed={follow} onClick={() => onFollowChange(!follow)}>
            {follow ? "Pause scrolling" : "Follow"}
          </button>
        </div>
      </div>
      {buffer.dropped > 0 && <p className="muted">{buffer.dropped} earlier lines not shown</p>}
      <div
        ref={box}
        className="log mono"
        role="log"
        aria-label="job log"
        aria-live="off"
        onWheel={() => {
          // Scrolling up by hand pauses following, like a terminal.
          const el = box.current;
          if (el && follow && el.scrollTop + el.clientHeight < el.scrollHeight - 40) onFollowChange(false);
        }}
      >
        {lines.length === 0 && <div className="system line">no output yet</div>}
        {lines.map((l, i) => (
          <div key={l.key} className={`line ${l.stream}`} dangerouslySetInnerHTML={{ __html: html[i] ?? "" }} />
        ))}
      </div>
    </section>
  );
}

/** A partial line is shown escaped but not fed to the converter yet (it would be converted twice). */
function escapeOnly(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
