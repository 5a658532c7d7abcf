import "server-only";
import { applyAction, type Action } from "@/lib/stages";
import type { Budget, Stage } from "@/lib/types";
import { FleetError } from "@/server/errors";
import type { JobPatch } from "@/server/store/port";
import type { JobRecord, Role } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import { jobEvent, type JobEvent } from "./events";
import { requireJob } from "./jobs";
import { moveJob } from "./move-job";
import { actorNames } from "./reviewer-identity";
import { queueRetryPush, queueShip, shipsThroughDelivery } from "./delivery";
import { requestChanges } from "./follow-ups";
import { pullRequestTarget, shipPullRequest } from "./pull-requests";
import { budgetBreaches, raiseBudget, spendOf } from "./policies/budget";
import { checkShip, decideApproval, deliveredOutOfScope, missingApprovals } from "./policies/gates";
import { jobView } from "./views";

/**
 * Operator actions through the stage machine and the gates. Every refusal is thrown before any
 * write, so a refused action changes nothing (no stage, no approval, no event). Each accepted
 * action is ONE moveJob: a conditional write on the job (expectedVersion) carrying its
 * `action:taken` event, the gate's events and the `stage:changed` event together.
 *
 *   approve  {reviewers}: records the reviewer (once each); the last one ships (scope permitting)
 *            otherwise:   the same human gate as ship
 *   ship     refused with scope_violation (files outside allowed-scope) or approval_required
 *            (reviewers missing) unless an admin sends override: true with a reason (recorded)
 *   resume   paused → queued, optionally with a raised budget; refused while still over budget
 */
export interface ActionRequest {
  action: Action | "request_changes";
  reason?: string;
  override?: boolean;
  budget?: Budget;
}

export interface Actor {
  id: string;
  role: Role;
}

export async function actOnJob(ctx: CoordinatorContext, id: string, req: ActionRequest, actor: Actor) {
  const job = await requireJob(ctx, id);
  // Request changes moves nothing: it queues a follow-up on the job's branch (follow-ups.ts).
  if (req.action === "request_changes") return requestChangesAction(ctx, job, req, actor);
  if ((req.action === "ship" || req.action === "approve") && job.followUpOf) {
    // Its commits are on the parent's branch: Ship there merges them (with the parent's PR and gates).
    throw new FleetError("conflict", `cannot ${req.action} a follow-up: ${job.id} continues the branch of ${job.followUpOf.of}; ship ${job.followUpOf.of}, which holds the pull request (this one follows it)`, { extra: { stage: job.stage } });
  }
  const check = applyAction(job.stage, req.action);
  if (!check.ok) throw new FleetError("illegal_transition", check.reason, { extra: { stage: job.stage } });
  if (req.override && req.action !== "ship" && req.action !== "approve") {
    throw new FleetError("validation", "override applies to ship only", { errors: [{ path: "override", message: "only ship (or approve) can be overridden" }] });
  }
  switch (req.action) {
    case "approve":
      return typeof job.manifest["review-policy"] === "object" ? approve(ctx, job, req, actor) : ship(ctx, job, req, actor);
    case "ship":
      return ship(ctx, job, req, actor);
    case "resume":
      return resume(ctx, job, req, actor);
    case "retry_push":
      return jobView(await queueRetryPush(ctx, job, actor.id), { body: true, forge: ctx.forge });
    case "reject":
    case "requeue":
    case "cancel":
    case "pause":
      return move(ctx, job, check.to, req, actor, check.to === "queued" ? { pendingReason: null, notBefore: null } : {});
    default:
      return assertNever(req.action);
  }
}

async function requestChangesAction(ctx: CoordinatorContext, job: JobRecord, req: ActionRequest, actor: Actor) {
  const comment = req.reason?.trim();
  if (!comment) throw new FleetError("validation", "request_changes needs a reason", { errors: [{ path: "reason", message: "say what to change: it is the follow-up job's prompt" }] });
  if (req.override) throw new FleetError("validation", "override applies to ship only", { errors: [{ path: "override", message: "only ship (or approve) can be overridden" }] });
  return jobView(await requestChanges(ctx, job, comment, actor.id), { body: true, forge: ctx.forge });
}

async function approve(ctx: CoordinatorContext, job: JobRecord, req: ActionRequest, actor: Actor) {
  const policy = job.manifest["review-policy"];
  const d = decideApproval(policy, job.approvals, await actorNames(ctx.store, actor.id));
  if (!d.ok) throw new FleetError(d.code, d.reason, { extra: { stage: job.stage } });
  const approvals = [...job.approvals, d.reviewer];
  const recorded = jobEvent("approval:recorded", ctx.now(), { reviewer: d.reviewer, by: actor.id, missing: missingApprovals(policy, approvals) });
  if (!d.ships) return move(ctx, job, job.stage, req, actor, { approvals }, [recorded]);
  return ship(ctx, { ...job, approvals }, req, actor, [recorded]);
}

async function ship(ctx: CoordinatorContext, job: JobRecord, req: ActionRequest, actor: Actor, extra: JobEvent[] = []) {
  if (req.override && actor.role !== "admin") throw new FleetError("forbidden", "only an admin may override the ship gates");
  if (req.override && !req.reason) {
    throw new FleetError("validation", "an override needs a reason", { errors: [{ path: "reason", message: "say why the gate is overridden" }] });
  }
  const outOfScope = deliveredOutOfScope(job.manifest["allowed-scope"], await lastScope(ctx, job.id));
  const gate = checkShip(job.manifest["review-policy"], job.approvals, outOfScope, req.override ? { admin: actor.role === "admin", ...(req.reason ? { reason: req.reason } : {}) } : undefined);
  if (!gate.ok) {
    throw new FleetError(gate.code, gate.reason, {
      extra: { stage: job.stage, ...(gate.files ? { files: gate.files } : {}), ...(gate.missing ? { missing: gate.missing } : {}) },
      ...(gate.files ? { errors: gate.files.map((f) => ({ path: "scope", message: `${f} is outside allowed-scope` })) } : {}),
    });
  }
  const events = [...extra];
  if (gate.overridden) {
    events.push(jobEvent("ship:overridden", ctx.now(), { by: actor.id, reason: req.reason ?? "", scope: gate.overridden.scope, approvals: gate.overridden.approvals }));
  }
  const approvals = job.approvals.includes(actor.id) || typeof job.manifest["review-policy"] === "object" ? job.approvals : [...job.approvals, actor.id];
  if (shipsThroughPullRequest(ctx, job)) {
    // Merged through the forge (checks, reviews, conflicts refused with the reason); shipped when merged.
    return jobView(await shipPullRequest(ctx, job, actor.id, { patch: { approvals }, events: [actionTaken(req, actor, ctx.now()), ...events] }), { body: true, forge: ctx.forge });
  }
  if (shipsThroughDelivery(job)) {
    // The commits land through a merge task; the job moves to shipped when it has merged.
    return jobView(await queueShip(ctx, job, actor.id, { patch: { approvals }, events: [actionTaken(req, actor, ctx.now()), ...events] }), { body: true, forge: ctx.forge });
  }
  return move(ctx, job, "shipped", req, actor, { approvals }, events);
}

async function resume(ctx: CoordinatorContext, job: JobRecord, req: ActionRequest, actor: Actor) {
  const budget = raiseBudget(job.manifest.budget, req.budget);
  const breaches = budgetBreaches(budget, spendOf(job.cost));
  if (breaches.length > 0) {
    throw new FleetError("budget_exceeded", `still over budget (${breaches.join("; ")}): resume with a raised budget`, { extra: { stage: job.stage, breaches } });
  }
  return move(ctx, job, "queued", req, actor, { pendingReason: null, notBefore: null, ...(req.budget ? { budget } : {}) });
}

/** The one write of an accepted action; `to` equal to the stage records without moving. */
async function move(ctx: CoordinatorContext, job: JobRecord, to: Stage, req: ActionRequest, actor: Actor, patch: JobPatch, extra: JobEvent[] = []) {
  const moved = await moveJob(ctx, job, to, { by: actor.id, patch, events: [actionTaken(req, actor, ctx.now()), ...extra] });
  return jobView(moved, { body: true, forge: ctx.forge });
}

function actionTaken(req: ActionRequest, actor: Actor, now: number): JobEvent {
  return jobEvent("action:taken", now, {
    action: req.action,
    by: actor.id,
    ...(req.reason ? { reason: req.reason } : {}),
    ...(req.override ? { override: true } : {}),
    ...(req.budget ? { budget: req.budget } : {}),
  });
}

/** The scope report of the job's latest attempt that sent one. */
async function lastScope(ctx: CoordinatorContext, jobId: string) {
  const runs = await ctx.store.listRuns(jobId);
  for (let i = runs.length - 1; i >= 0; i--) if (runs[i]!.scope) return runs[i]!.scope;
  return undefined;
}

/** A `pr` job on a forge with pull requests whose branch was delivered: Ship merges its PR. */
function shipsThroughPullRequest(ctx: CoordinatorContext, job: JobRecord): boolean {
  return pullRequestTarget(ctx, job) !== undefined && (job.delivery!.pr !== undefined || shipsThroughDelivery(job));
}

function assertNever(x: never): never {
  throw new Error(`unexpected action ${String(x)}`);
}
