"use client";
/**
 * The operator's buttons for one job. Only the actions the stage machine allows from the current
 * stage are rendered (lib/stages applyAction), so a person never sees a button that would be
 * refused; destructive ones ask first. The API checks the role and the stage again regardless.
 */
import { useState } from "react";
import { ACTIONS, applyAction, type Action } from "@/lib/stages";
import type { Stage } from "@/lib/types";
import { postAction } from "../api-client";

const DESTRUCTIVE: ReadonlySet<Action> = new Set(["cancel", "reject"]);
const LABEL: Record<Action, string> = {
  approve: "Approve",
  ship: "Ship",
  reject: "Reject",
  requeue: "Requeue",
  cancel: "Cancel",
  pause: "Pause",
  resume: "Resume",
};

export function legalActions(stage: Stage): Action[] {
  return ACTIONS.filter((a) => applyAction(stage, a).ok);
}

export function ActionButtons({ jobId, stage, onDone }: { jobId: string; stage: Stage; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const actions = legalActions(stage);
  if (actions.length === 0) return null;

  const run = async (action: Action) => {
    let reason: string | undefined;
    if (DESTRUCTIVE.has(action)) {
      const answer = window.prompt(`${LABEL[action]} this job? Give a reason (optional).`, "");
      if (answer === null) return;
      reason = answer || undefined;
    }
    setBusy(true);
    setError(null);
    try {
      await postAction(jobId, action, reason);
      onDone();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="row" role="group" aria-label="job actions">
      {actions.map((a) => (
        <button
          key={a}
          type="button"
          disabled={busy}
          className={a === "ship" || a === "approve" ? "primary" : DESTRUCTIVE.has(a) ? "danger" : ""}
          onClick={() => void run(a)}
        >
          {LABEL[a]}
        </button>
      ))}
      {error && (
        <span role="alert" className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}
