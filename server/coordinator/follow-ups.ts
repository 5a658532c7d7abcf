import "server-only";
import { sha256Hex } from "@/lib/hash";
import type { Manifest } from "@/lib/types";
import type { CompleteRequest } from "@/lib/protocol";
import { FleetError } from "@/server/errors";
import { isStoreError } from "@/server/store/errors";
import { jobIdForKey } from "@/server/store/ids";
import type { FollowUpOf, JobDelivery, JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import { jobEvent } from "./events";
import { followUpPrompt } from "./follow-up-prompt";
import { moveJob } from "./move-job";
import { redactDeep } from "./redaction";

/**
 * Follow-up jobs of the review loop (issue 15 item 5): a job whose pull request needs work (its
 * checks failed, a reviewer or an operator requested changes) gets a new job that continues its
 * branch with that feedback as the prompt.
 *
 *   parent (review/testing, branch pushed at H) ──feedback on H──► follow-up F (queued)
 *       F: same manifest (repo, profile, engine, capabilities), delivery `branch` onto the parent's
 *          branch, the checkout starting at H (claim delivery.startAt), the push leased on H
 *       F pushes H' ──► the parent's delivery: headSha = lastPushed = H' (the PR's head moves;
 *          the parent stays the job that ships, and Ship merges H')
 *
 * Which job ships: the PARENT, always. The follow-up delivers as `branch` (never opens a pull
 * request of its own: the parent's is the one on that branch) and, once its push lands, the
 * parent's delivery record takes the new head, so Ship (merge the PR / a merge task) lands H'.
 * The follow-up waits where its attempt left it (review/testing), linked from the parent; Ship or
 * approve on it is refused (409 naming the parent), and it ships or is cancelled WITH the parent
 * (follow-up-settle.ts).
 *
 * Idempotent: a follow-up's id is derived from (parent, reason, head SHA[, the operator's
 * comment]), so a second poll, webhook or app instance that sees the same state creates nothing,
 * and a crash between creating the follow-up and naming it on the parent is mended by the next
 * try (it finds the job and links it). Bounded: the automatic rounds count against the parent's
 * `retry.max` together with its retried attempts, and the follow-up gets what is left of the
 * parent's budget; past either, nothing is queued and `review:follow_up_refused` says why. An
 * operator's Request changes is a person's decision: it is not bounded by retry.max.
 */
export type FollowUpReason = FollowUpOf["reason"];

export interface FollowUpRequest {
  reason: FollowUpReason;
  /** the head the feedback is about: the head the parent pushed */
  headSha: string;
  /** what went wrong, as the follow-up's prompt shows it (check runs, review comments, the operator's comment) */
  feedback: string;
  by: string;
  /** an operator's Request changes: not bounded by retry.max, keyed by its comment too */
  operator?: boolean;
}

export type FollowUpResult = { kind: "queued"; followUp: JobRecord; parent: JobRecord } | { kind: "exists"; followUp: JobRecord; parent: JobRecord } | { kind: "refused"; why: string };

/** Stages in which a follow-up is still working on the branch (another one would race its push). */
const RUNNING = new Set(["queued", "blocked", "assigned", "building", "paused"]);

export async function queueFollowUp(ctx: CoordinatorContext, parent: JobRecord, req: FollowUpRequest): Promise<FollowUpResult> {
  const d = parent.delivery;
  if (!d?.lastPushed) return { kind: "refused", why: "the job has no pushed branch to continue" };
  const key = `follow-up:${parent.id}:${req.reason}:${req.headSha}${req.operator ? `:${sha256Hex(req.feedback).slice(0, 16)}` : ""}`;
  const id = jobIdForKey(parent.productId, key);
  const existing = await ctx.store.getJob(id);
  if (existing) return { kind: "exists", followUp: existing, parent: await linkFollowUp(ctx, parent, existing, req) };

  const round = (d.followUps?.length ?? 0) + 1;
  const refusal = await refusalOf(ctx, parent, req, round);
  if (refusal) {
    await recordRefusal(ctx, parent, req, round, refusal);
    return { kind: "refused", why: refusal };
  }
  const now = ctx.now();
  const followUpOf: FollowUpOf = { of: parent.id, reason: req.reason, round };
  const manifest = await followUpManifest(ctx, parent, d);
  const title = `${req.reason === "checks_failed" ? "Fix failing checks" : "Address requested changes"} (round ${round}): ${parent.title}`.slice(0, 500);
  // The feedback is forge text (a CI log's summary may print a secret): redacted like logs before it is stored.
  const body = followUpPrompt(parent, d, { ...req, feedback: redactDeep(req.feedback), round });
  const delivery: JobDelivery = {
    mode: "branch",
    branch: d.branch,
    ...(d.baseBranch ? { baseBranch: d.baseBranch } : {}),
    headSha: d.lastPushed,
    lastPushed: d.lastPushed,
  };
  let created: JobRecord;
  let isNew: boolean;
  try {
    ({ job: created, created: isNew } = await ctx.store.submitJob({
      productId: parent.productId,
      title,
      body,
      manifest,
      contentHash: sha256Hex(key),
      idempotencyKey: key,
      stage: "queued",
      deps: [],
      depKeys: [],
      delivery,
      followUpOf,
      now,
    }));
  } catch (e) {
    // Another instance created it between our read and our create: the same job, link it.
    if (!isStoreError(e, "conflict")) throw e;
    const other = await ctx.store.getJob(id);
    if (!other) throw e;
    return { kind: "exists", followUp: other, parent: await linkFollowUp(ctx, parent, other, req) };
  }
  // Created by another instance between our read and our submit (the same key, the same content).
  if (!isNew) return { kind: "exists", followUp: created, parent: await linkFollowUp(ctx, parent, created, req) };
  await ctx.store.appendEvents(created.id, [jobEvent("job:submitted", now, { stage: "queued", title, by: req.by })]);
  ctx.metrics.jobsSubmitted.inc();
  ctx.notifier.jobChanged(created.id);
  ctx.notifier.jobQueued();
  return { kind: "queued", followUp: created, parent: await linkFollowUp(ctx, parent, created, req) };
}

/** Why no follow-up may be queued now, or undefined. */
async function refusalOf(ctx: CoordinatorContext, parent: JobRecord, req: FollowUpRequest, round: number): Promise<string | undefined> {
  const d = parent.delivery!;
  const last = d.followUps?.length ? await ctx.store.getJob(d.followUps[d.followUps.length - 1]!) : undefined;
  if (last && RUNNING.has(last.stage)) return `follow-up ${last.id} is still ${last.stage} on ${d.branch}; its push comes first`;
  if (d.task) return `a ${d.task.kind} of ${d.branch} is under way (job ${d.task.jobId})`;
  if (!req.operator) {
    const retried = Math.max(0, parent.attempts - 1);
    const max = parent.manifest.retry.max;
    if (retried + round > max) {
      const so = `${retried} retried attempt${retried === 1 ? "" : "s"} and ${round - 1} follow-up${round === 2 ? "" : "s"} so far`;
      return `the retry policy is spent: retry.max ${max}, ${so} (the manifest's retry: {max: N} lets the review loop try up to N rounds; an operator can still Request changes)`;
    }
  }
  const left = await remainingBudget(ctx, parent);
  const spent = (["usd", "tokens", "wall"] as const).filter((k) => left[k] !== undefined && left[k]! <= 0);
  if (spent.length > 0) return `the job's budget is spent (${spent.join(", ")}, its follow-ups included)`;
  return undefined;
}

/**
 * What is left of the parent's budget after the parent and every follow-up so far: the next
 * follow-up's own ceiling, so the job and all its rounds together stay within the one budget.
 */
async function remainingBudget(ctx: CoordinatorContext, parent: JobRecord): Promise<Manifest["budget"]> {
  const b = parent.manifest.budget;
  const spent = { usd: parent.cost.usd, tokens: parent.cost.tokensIn + parent.cost.tokensOut, wall: parent.cost.wallMs };
  for (const id of parent.delivery?.followUps ?? []) {
    const f = await ctx.store.getJob(id);
    if (!f) continue;
    spent.usd += f.cost.usd;
    spent.tokens += f.cost.tokensIn + f.cost.tokensOut;
    spent.wall += f.cost.wallMs;
  }
  const out: Manifest["budget"] = {};
  if (b.usd !== undefined) out.usd = Math.max(0, b.usd - spent.usd);
  if (b.tokens !== undefined) out.tokens = Math.max(0, b.tokens - spent.tokens);
  if (b.wall !== undefined) out.wall = Math.max(0, b.wall - spent.wall);
  return out;
}

/** The parent's manifest, continuing its branch: the same engine the parent last ran, delivery `branch`, the budget left. */
async function followUpManifest(ctx: CoordinatorContext, parent: JobRecord, d: JobDelivery): Promise<Manifest> {
  const runs = await ctx.store.listRuns(parent.id);
  const engine = parent.manifest.engine ?? runs[runs.length - 1]?.engine;
  // The parent's dependencies were met (it ran) and its idempotency key names the parent: the follow-up has neither.
  const m: Manifest = { ...parent.manifest, delivery: "branch", branch: d.branch, budget: await remainingBudget(ctx, parent), deps: [] };
  delete m["idempotency-key"];
  // The tracker hears about the parent (the job that ships), not about each round of fixes.
  delete m["tracker-item"];
  if (engine) m.engine = engine;
  if (d.baseBranch) m["base-branch"] = d.baseBranch;
  return m;
}

/**
 * Names the follow-up on the parent (delivery.followUps) with `review:follow_up_queued`, once:
 * re-read and retried on a version conflict; nothing to write when it is named already.
 */
async function linkFollowUp(ctx: CoordinatorContext, parent: JobRecord, followUp: JobRecord, req: FollowUpRequest): Promise<JobRecord> {
  let job: JobRecord | undefined = parent;
  for (let tries = 0; tries < 5 && job; tries++) {
    const d = job.delivery;
    if (!d || d.followUps?.includes(followUp.id)) return job;
    const round = followUp.followUpOf?.round ?? (d.followUps?.length ?? 0) + 1;
    try {
      return await moveJob(ctx, job, job.stage, {
        by: req.by,
        patch: { delivery: { ...d, followUps: [...(d.followUps ?? []), followUp.id] } },
        events: [jobEvent("review:follow_up_queued", ctx.now(), { followUp: followUp.id, reason: req.reason, round, headSha: req.headSha, by: req.by })],
      });
    } catch (e) {
      if (!isStoreError(e, "conflict")) throw e;
      job = await ctx.store.getJob(parent.id);
    }
  }
  return job ?? parent;
}

async function recordRefusal(ctx: CoordinatorContext, parent: JobRecord, req: FollowUpRequest, round: number, why: string): Promise<void> {
  await ctx.store.appendEvents(parent.id, [jobEvent("review:follow_up_refused", ctx.now(), { reason: req.reason, round, headSha: req.headSha, why })]);
  ctx.notifier.jobChanged(parent.id);
}

/**
 * After a follow-up's attempt is recorded: when it pushed, the parent's delivery takes the new
 * head (headSha, lastPushed), so the parent's pull request and Ship see H'. No check of ancestry
 * is needed here: the push was leased on the head the follow-up started from (the parent's
 * lastPushed when it was queued), so git accepted it only as that head's successor, and no other
 * push of the branch runs meanwhile (one follow-up at a time, none while a push task is queued).
 */
export async function afterFollowUpAttempt(ctx: CoordinatorContext, done: JobRecord, report: CompleteRequest): Promise<void> {
  const r = report.delivery;
  if (!r?.pushed) return;
  // A follow-up's own attempt, or the Retry push task of a follow-up whose push was refused.
  const followUp = done.task?.kind === "push" ? await ctx.store.getJob(done.task.of) : done;
  if (!followUp?.followUpOf) return;
  for (let tries = 0; tries < 5; tries++) {
    const parent = await ctx.store.getJob(followUp.followUpOf.of);
    const d = parent?.delivery;
    if (!parent || !d || d.branch !== r.branch || d.lastPushed === r.headSha || d.mergeSha) return;
    const next: JobDelivery = { ...d, headSha: r.headSha, lastPushed: r.headSha, pushedAt: ctx.now() };
    delete next.pushError;
    try {
      await moveJob(ctx, parent, parent.stage, {
        by: `follow-up:${followUp.id}`,
        patch: { delivery: next },
        events: [jobEvent("delivery:pushed", ctx.now(), { branch: r.branch, headSha: r.headSha, task: followUp.id })],
      });
      return;
    } catch (e) {
      if (!isStoreError(e, "conflict")) throw e;
    }
  }
}

/** The operator's Request changes (POST /jobs/{id}/actions `request_changes`): a follow-up with the comment as its feedback. */
export async function requestChanges(ctx: CoordinatorContext, parent: JobRecord, comment: string, by: string): Promise<JobRecord> {
  if (parent.stage !== "review" && parent.stage !== "testing") {
    throw new FleetError("conflict", `cannot request changes: the job is ${parent.stage}; request_changes works from review, testing`, { extra: { stage: parent.stage } });
  }
  const d = parent.delivery;
  if (!d) throw new FleetError("conflict", "cannot request changes: this job delivers nothing (no repo, or delivery: none), so there is no branch to continue", { extra: { stage: parent.stage } });
  if (!d.lastPushed || d.pushError || d.headSha !== d.lastPushed) {
    throw new FleetError("conflict", `cannot request changes: ${d.branch} is not pushed${d.pushError ? ` (${d.pushError.reason}: ${d.pushError.message})` : ""}; Retry push first`, { extra: { stage: parent.stage } });
  }
  if (d.mergeSha) throw new FleetError("conflict", `cannot request changes: ${d.branch} is merged already (${d.mergeSha.slice(0, 12)})`, { extra: { stage: parent.stage } });
  const out = await queueFollowUp(ctx, parent, { reason: "changes_requested", headSha: d.lastPushed, feedback: comment, by, operator: true });
  if (out.kind === "refused") throw new FleetError("conflict", `cannot request changes: ${out.why}`, { extra: { stage: parent.stage } });
  return out.parent;
}
