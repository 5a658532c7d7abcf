"use client";
/**
 * *Import from tracker* on the File a task page (issue 16 item 2): one field taking an item id
 * (`github:owner/repo#123`, `linear:ENG-42`) or the page, posted to POST /tracker/import,
 * which reads the item from the tracker now and maps it as the webhook intake does. The answer
 * links the created (or already existing) job; a refusal is shown under the field with the field
 * it names. With no tracker connected the field is disabled and says what to set.
 */
import { useState } from "react";
import type { TrackerKind } from "@/lib/tracker-item";
import { importAnswerText, trackerItemFromInput, type TrackerImportAnswer } from "@/lib/ui/tracker-import";
import { ApiError, sendJson } from "./api-client";

export const TRACKER_IMPORT_PATH = "/api/fleet/tracker/import";

const EXAMPLE: Record<TrackerKind, string> = { github: "github:owner/repo#123", linear: "linear:ENG-42" };

export function TrackerImport({ trackers }: { trackers: TrackerKind[] }) {
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<TrackerImportAnswer | null>(null);
  const [refusal, setRefusal] = useState<{ message: string; errors: { path: string; message: string }[] } | null>(null);
  const off = trackers.length === 0;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (off || busy || !text.trim()) return;
    setBusy(true);
    setAnswer(null);
    setRefusal(null);
    try {
      setAnswer(await sendJson<TrackerImportAnswer>("POST", TRACKER_IMPORT_PATH, { item: trackerItemFromInput(text) }));
    } catch (err) {
      setRefusal(err instanceof ApiError ? { message: err.message, errors: err.problems } : { message: String(err), errors: [] });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="tracker-import-heading" style={{ marginBottom: 16 }}>
      <h2 id="tracker-import-heading">Import from tracker</h2>
      <form className="row" onSubmit={(e) => void submit(e)} aria-label="import from tracker">
        <input
          aria-label="tracker item to import"
          aria-describedby="tracker-import-hint"
          aria-invalid={refusal ? true : undefined}
          placeholder={off ? "no tracker connected" : `${trackers.map((k) => EXAMPLE[k]).join(" or ")}, or the issue's URL`}
          value={text}
          size={44}
          disabled={off}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" disabled={off || busy || !text.trim()}>
          {busy ? "Importing…" : "Import"}
        </button>
      </form>
      <p id="tracker-import-hint" className="muted" style={{ fontSize: 12 }} data-testid="tracker-import-hint">
        {off
          ? "No tracker is connected: set GITHUB_TOKEN (GitHub Issues) or LINEAR_API_KEY (Linear) in the coordinator's settings to import items."
          : `Reads the item from ${trackers.map((k) => (k === "github" ? "GitHub" : "Linear")).join(" or ")} now and files it as a job; importing the same item again creates nothing.`}
      </p>
      {answer && (
        <div role="status" data-testid="tracker-import-result" data-outcome={answer.outcome}>
          <p>
            {importAnswerText(answer)}
            {answer.jobId && (
              <>
                {": "}
                <a href={`/jobs/${encodeURIComponent(answer.jobId)}`}>{answer.jobId}</a>
              </>
            )}
          </p>
          {answer.errors && answer.errors.length > 0 && (
            <ul className="field-error">
              {answer.errors.map((p, i) => (
                <li key={i}>
                  {p.path}: {p.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {refusal && (
        <div role="alert" className="field-error" data-testid="tracker-import-error">
          {refusal.errors.length > 0 ? (
            <ul>
              {refusal.errors.map((p, i) => (
                <li key={i}>
                  {p.path}: {p.message}
                </li>
              ))}
            </ul>
          ) : (
            refusal.message
          )}
        </div>
      )}
    </section>
  );
}
