"use client";
/**
 * The operator's buttons for one job. Only the actions the stage machine allows from the current
 * stage are rendered (lib/stages applyAction), so a person never sees a button that would be
 * refused by the stage; destructive ones ask first. The API checks the role, the stage and the
 * policies again regardless, and whatever it refuses is shown here, beside the buttons, with every
 * message of the problem: a scope violation lists the files (and offers an admin the override), a
 * budget refusal opens the raised-budget form, a forge's refusal to merge says why and what to do
 * (and the last one recorded on the pull request stays shown after a reload). On a job with a
 * delivery in review or testing, Request changes sends it back to the agent with a comment.
 */
import { useId, useState } from "react";
import { ACTIONS, applyAction, type Action } from "@/lib/stages";
import type { Stage } from "@/lib/types";
import type { ProblemView } from "@/lib/ui/problem";
import { postAction, problemOf, type ActionBody } from "../api-client";
import { ProblemMessage } from "./problem-message";
import { RaiseBudget } from "./raise-budget";
import { RequestChangesForm } from "./request-changes";
import { ScopeViolation } from "./scope-violation";
import { ShipRefusal } from "./ship-refusal";

const DESTRUCTIVE: ReadonlySet<Action> = new Set(["cancel", "reject"]);
// request_changes is not a plain button: it has its own form (RequestChanges) with a required comment.
const LABEL: Record<Action | "request_changes", string> = {
  approve: "Approve",
  ship: "Ship",
  reject: "Reject",
  requeue: "Requeue",
  cancel: "Cancel",
  pause: "Pause",
  resume: "Resume",
  retry_push: "Retry push",
  request_changes: "Request changes",
};
/** The stage's actions minus those with a form of their own. */
const PLAIN: readonly Action[] = ACTIONS.filter((a) => (a as string) !== "request_changes");

type ButtonBody = ActionBody & { action: Action };

/** What the job page knows of the job's delivery: the Ship button says what it does. */
export interface DeliveryHint {
  shipLabel: string;
  pushError?: { reason: string; message: string };
  task?: { kind: "push" | "merge"; jobId: string };
  /** the pull request's last refusal to merge, as the coordinator recorded it (delivery.pr.error) */
  pr?: { error?: { reason: string; message: string } };
}

/**
 * The actions the stage allows; Retry push only when a push failed (and none is under way). A
 * follow-up of the review loop is never shipped or approved itself: its commits are on the job it
 * continues, which ships them (the API refuses both there).
 */
export function legalActions(stage: Stage, delivery?: DeliveryHint, opts: { followUp?: boolean } = {}): Action[] {
  return PLAIN.filter(
    (a) =>
      applyAction(stage, a).ok &&
      (a !== "retry_push" || (delivery?.pushError !== undefined && delivery.task === undefined)) &&
      !(opts.followUp && (a === "ship" || a === "approve")),
  );
}

/** The Ship button's text: what it will do ("Merge PR #12 (squash)"), or plain Ship with nothing to deliver. */
export function shipButtonText(delivery?: Pick<DeliveryHint, "shipLabel">): string {
  const what = delivery?.shipLabel.trim();
  return what ? what[0]!.toUpperCase() + what.slice(1) : LABEL.ship;
}

/** Request changes: an operator's comment back to the agent, only where there is a delivery to change (on the job that ships it, not a follow-up). */
export function canRequestChanges(stage: Stage, delivery?: DeliveryHint, opts: { followUp?: boolean } = {}): boolean {
  return delivery !== undefined && !opts.followUp && (stage === "review" || stage === "testing");
}

export function ActionButtons({
  jobId,
  stage,
  isAdmin = false,
  budgetBreaches,
  delivery,
  followUp = false,
  onDone,
}: {
  jobId: string;
  stage: Stage;
  delivery?: DeliveryHint;
  /** a follow-up of the review loop (job.followUpOf): the job it continues is the one to ship */
  followUp?: boolean;
  isAdmin?: boolean;
  /** the breaches of the budget pause in force: Resume then offers raising the budget */
  budgetBreaches?: string[];
  onDone: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<(ProblemView & { action: Action }) | null>(null);
  const [requesting, setRequesting] = useState(false);
  const requestFormId = useId();
  const actions = legalActions(stage, delivery, { followUp });
  const offerRequestChanges = canRequestChanges(stage, delivery, { followUp });
  const label = (a: Action) => (a === "ship" ? shipButtonText(delivery) : LABEL[a]);
  if (actions.length === 0) return null;

  const run = async (body: ButtonBody) => {
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
      setProblem({ ...problemOf(e), action: body.action });
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
            title={a === "ship" && delivery?.shipLabel ? `Ship: ${delivery.shipLabel}` : undefined}
            data-action={a}
            onClick={() => void run({ action: a })}
          >
            {label(a)}
          </button>
        ))}
        {offerRequestChanges && (
          <button type="button" disabled={busy || delivery?.task !== undefined} aria-expanded={requesting} aria-controls={requesting ? requestFormId : undefined} onClick={() => setRequesting((o) => !o)}>
            {LABEL.request_changes}
          </button>
        )}
      </div>
      {offerRequestChanges && requesting && <RequestChangesForm jobId={jobId} formId={requestFormId} onClose={() => setRequesting(false)} onDone={onDone} />}
      {problem?.code === "scope_violation" ? (
        <ScopeViolation problem={problem} isAdmin={isAdmin} busy={busy} onOverride={(reason) => void run({ action: "ship", override: true, reason })} />
      ) : problem?.action === "ship" && problem.reason ? (
        <ShipRefusal refusal={{ reason: problem.reason, message: problem.summary }} fresh />
      ) : (
        problem && <ProblemMessage problem={problem} label="action refused" />
      )}
      {!problem && delivery?.pr?.error && actions.includes("ship") && <ShipRefusal refusal={delivery.pr.error} fresh={false} />}
      {overBudget && <RaiseBudget breaches={problem?.breaches.length ? problem.breaches : (budgetBreaches ?? [])} busy={busy} onResume={(budget) => void run({ action: "resume", budget })} />}
    </div>
  );
}
