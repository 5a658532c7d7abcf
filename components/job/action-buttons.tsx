"use client";
/**
 * The operator's buttons for one job. Only the actions the stage machine allows from the current
 * stage are rendered (lib/stages applyAction), so a person never sees a button that would be
 * refused by the stage; destructive ones ask first. The API checks the role, the stage and the
 * policies again regardless, and whatever it refuses is shown here, beside the buttons, with every
 * message of the problem: a scope violation lists the files (and offers an admin the override), a
 * budget refusal opens the raised-budget form.
 */
import { useState } from "react";
import { ACTIONS, applyAction, type Action } from "@/lib/stages";
import type { Stage } from "@/lib/types";
import type { ProblemView } from "@/lib/ui/problem";
import { postAction, problemOf, type ActionBody } from "../api-client";
import { ProblemMessage } from "./problem-message";
import { RaiseBudget } from "./raise-budget";
import { ScopeViolation } from "./scope-violation";

const DESTRUCTIVE: ReadonlySet<Action> = new Set(["cancel", "reject"]);
const LABEL: Record<Action, string> = {
  approve: "Approve",
  ship: "Ship",
  reject: "Reject",
  requeue: "Requeue",
  cancel: "Cancel",
  pause: "Pause",
  resume: "Resume",
  retry_push: "Retry push",
};

/** What the job page knows of the job's delivery: the Ship button says what it does. */
export interface DeliveryHint {
  shipLabel: string;
  pushError?: { reason: string; message: string };
  task?: { kind: "push" | "merge"; jobId: string };
}

/** The actions the stage allows; Retry push only when a push failed (and none is under way). */
export function legalActions(stage: Stage, delivery?: DeliveryHint): Action[] {
  return ACTIONS.filter((a) => applyAction(stage, a).ok && (a !== "retry_push" || (delivery?.pushError !== undefined && delivery.task === undefined)));
}

export function ActionButtons({
  jobId,
  stage,
  isAdmin = false,
  budgetBreaches,
  delivery,
  onDone,
}: {
  jobId: string;
  stage: Stage;
  delivery?: DeliveryHint;
  isAdmin?: boolean;
  /** the breaches of the budget pause in force: Resume then offers raising the budget */
  budgetBreaches?: string[];
  onDone: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const actions = legalActions(stage, delivery);
  const label = (a: Action) => (a === "ship" && delivery ? `Ship: ${delivery.shipLabel}` : LABEL[a]);
  if (actions.length === 0) return null;

  const run = async (body: ActionBody) => {
    if (DESTRUCTIVE.has(body.action)) {
      const answer = window.prompt(`${LABEL[body.action]} this job? Give a reason (optional).`, "");
      if (answer === null) return;
      if (answer) body = { ...body, reason: answer };
    }
    setBusy(true);
    setProblem(null);
    try {
      await postAction(jobId, body);
      onDone();
    } catch (e) {
      setProblem(problemOf(e));
    } finally {
      setBusy(false);
    }
  };

  const overBudget = stage === "paused" && (budgetBreaches !== undefined || problem?.code === "budget_exceeded");
  return (
    <div style={{ display: "grid", gap: 6, justifyItems: "end", maxWidth: 560 }}>
      <div className="row" role="group" aria-label="job actions">
        {actions.map((a) => (
          <button
            key={a}
            type="button"
            className={a === "ship" || a === "approve" ? "primary" : DESTRUCTIVE.has(a) ? "danger" : ""}
            disabled={busy || (delivery?.task !== undefined && (a === "ship" || a === "approve" || a === "retry_push"))}
            title={a === "ship" && delivery ? delivery.shipLabel : undefined}
            onClick={() => void run({ action: a })}
          >
            {label(a)}
          </button>
        ))}
      </div>
      {problem?.code === "scope_violation" ? (
        <ScopeViolation problem={problem} isAdmin={isAdmin} busy={busy} onOverride={(reason) => void run({ action: "ship", override: true, reason })} />
      ) : (
        problem && <ProblemMessage problem={problem} label="action refused" />
      )}
      {overBudget && <RaiseBudget breaches={problem?.breaches.length ? problem.breaches : (budgetBreaches ?? [])} busy={busy} onResume={(budget) => void run({ action: "resume", budget })} />}
    </div>
  );
}
