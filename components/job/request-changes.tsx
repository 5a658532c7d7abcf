"use client";
/**
 * Request changes (issue 15 item 5): an operator sends the job back to its agent with a comment.
 * The coordinator queues a follow-up job on the same branch with the comment as its prompt. The
 * comment is required and bounded like every action reason (lib/api/jobs.ts jobActionRequest:
 * 1,000 characters); a refusal is shown with every message of the problem.
 */
import { useId, useState } from "react";
import type { ProblemView } from "@/lib/ui/problem";
import { postAction, problemOf } from "../api-client";
import { ProblemMessage } from "./problem-message";

/** What to do about a refused request, by what refused it (the comment stays in the box for a retry). */
export function requestChangesNextStep(p: ProblemView): string {
  if (p.status === 0) return "The coordinator did not answer: check the connection and send again; your comment is kept.";
  if (p.status === 400) return "Fix the comment as the message says and send again.";
  if (p.status === 401) return "Your session ended: sign in again, then send the comment (copy it first).";
  if (p.status === 403) return "Requesting changes needs the operator role: ask an operator or an admin.";
  if (p.status === 404) return "The job is gone: go back to the jobs list.";
  if (p.status === 409) return "The job moved on since this page was read (shipped, cancelled or already being changed): reload the page to see where it is.";
  if (p.status === 429 || p.status >= 500) return "The coordinator is busy or failing: wait a moment and send again; your comment is kept.";
  return "Reload the page and try again.";
}

export const REQUEST_CHANGES_MAX = 1_000;

/** The inline form the Request changes button opens (ActionButtons holds whether it is open). */
export function RequestChangesForm({ jobId, formId, onClose, onDone }: { jobId: string; formId: string; onClose: () => void; onDone: () => void }) {
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [touched, setTouched] = useState(false);
  const id = useId();
  const trimmed = comment.trim();
  const invalid = trimmed === "" ? "Say what should change: the agent gets this comment as its prompt." : trimmed.length > REQUEST_CHANGES_MAX ? `At most ${REQUEST_CHANGES_MAX} characters (${trimmed.length} now).` : undefined;

  const submit = async () => {
    setTouched(true);
    if (invalid) return;
    setBusy(true);
    setProblem(null);
    try {
      await postAction(jobId, { action: "request_changes", reason: trimmed });
      setComment("");
      setTouched(false);
      onClose();
      onDone();
    } catch (e) {
      setProblem(problemOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      id={formId}
      aria-label="request changes"
      // Our own message (below the box, linked by aria-describedby) rather than the browser's bubble.
      noValidate
      className="panel"
      style={{ display: "grid", gap: 6, width: "100%", maxWidth: 560 }}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label className="field" htmlFor={`${id}-comment`}>
        <span>What should change</span>
        <textarea
          id={`${id}-comment`}
          value={comment}
          rows={4}
          required
          maxLength={REQUEST_CHANGES_MAX}
          aria-invalid={touched && invalid !== undefined}
          aria-describedby={`${id}-hint${touched && invalid ? ` ${id}-error` : ""}`}
          onChange={(e) => setComment(e.target.value)}
          onBlur={() => setTouched(true)}
          autoFocus
        />
      </label>
      <span id={`${id}-hint`} className="muted" style={{ fontSize: 12 }}>
        A follow-up job continues this branch with your comment as its prompt. {trimmed.length}/{REQUEST_CHANGES_MAX}
      </span>
      {touched && invalid && (
        <span id={`${id}-error`} className="field-error">
          {invalid}
        </span>
      )}
      <div className="row" style={{ justifyContent: "end" }}>
        <button
          type="button"
          onClick={onClose}
        >
          Discard
        </button>
        <button type="submit" className="primary" disabled={busy || (touched && invalid !== undefined)}>
          Send to the agent
        </button>
      </div>
      {problem && <ProblemMessage problem={problem} label="request changes refused" next={requestChangesNextStep(problem)} />}
    </form>
  );
}
