import "server-only";
import { branchFor, effectiveDelivery } from "@/lib/delivery";
import { parseManifestObject } from "@/lib/manifest";
import type { ClaimDelivery, CompleteRequest, DeliveryReport } from "@/lib/protocol";
import type { Manifest } from "@/lib/types";
import { sha256Hex } from "@/lib/hash";
import { DEFAULT_FORGE, forgeFor, isForgeError } from "@/server/forge";
import { FleetError } from "@/server/errors";
import { isStoreError } from "@/server/store/errors";
import type { JobPatch } from "@/server/store/port";
import type { AttemptDelivery, DeliveryTask, JobDelivery, JobRecord } from "@/server/store/records";
import type { NextStage } from "./completion";
import type { CoordinatorContext } from "./context";
import { newJobId } from "./ids";
import { jobEvent, type JobEvent } from "./events";
import { moveJob } from "./move-job";
import { redactDeep } from "./redaction";

/**
 * Delivery, the coordinator's half (issue 15). The coordinator never touches git nor a git
 * credential: it says what to push where (the claim's `delivery`), records what the agent reports
 * (branch, head, merge SHA, or why a push failed), and turns *Retry push* and a plain-git *Ship*
 * into delivery tasks: small jobs that run no engine, leased, fenced and retried like any other.
 *
 *   job submitted ─► delivery {mode, branch, baseBranch?}       (none: no record, nothing leaves)
 *   engine exits 0 ─► agent pushes ─► headSha recorded          (verify etc. as before)
 *                              └─ push failed ─► review, pushError  ── Retry push ─► push task
 *   Ship (plain git) ─► merge task ─► merged: mergeSha, job → shipped
 *                                 └─ failed for good: shipError, job stays where it was
 * A push task goes to the factory holding the local branch (`factory:<id>`); a merge task to any
 * factory that can run the job, its last factory preferred.
 */

/** Reasons a delivery task does not retry: trying again would fail the same way. */
const FINAL_REASONS: ReadonlySet<string> = new Set(["non_fast_forward", "auth", "conflict", "moved"]);

const TASK_RETRY = { max: 2, backoff: "30s", on: ["timeout", "agent_failed", "lease_lost"] };

/** The delivery record a new job starts with, or undefined (no repo, or `delivery: none`). */
export function deliveryAtSubmit(ctx: CoordinatorContext, manifest: Manifest, job: { id: string; title: string }): JobDelivery | undefined {
  const mode = effectiveDelivery(manifest, (ctx.forge ?? DEFAULT_FORGE).hosts);
  if (mode === "none") return undefined;
  return { mode, branch: branchFor(manifest.branch, job), ...(manifest["base-branch"] ? { baseBranch: manifest["base-branch"] } : {}) };
}

/**
 * Protected branches are never pushed directly: a `delivery: merge` job whose base branch the
 * forge protects (GitHub: GET …/branches/{branch} → protected) or FLEET_PROTECTED_BRANCHES names
 * (plain git) is refused at submit with 422 naming `delivery`. A forge that cannot be reached now
 * does not refuse the job (it cannot say the branch is protected).
 */
export async function refuseProtectedDirectPush(ctx: CoordinatorContext, manifest: Manifest, at: string): Promise<void> {
  const forge = ctx.forge ?? DEFAULT_FORGE;
  if (!manifest.repo || effectiveDelivery(manifest, forge.hosts) !== "merge") return;
  const refuse = (why: string) => {
    throw new FleetError("validation", "the job is not valid", { errors: [{ path: `${at}delivery`, message: `delivery: merge pushes straight to ${why}: use delivery: pr (or branch)` }] });
  };
  const base = manifest["base-branch"];
  const pulls = forgeFor(forge, manifest.repo).pulls;
  const ref = pulls?.ref(manifest.repo);
  if (pulls && ref) {
    let target = base;
    let protectedNow = false;
    try {
      target ??= await pulls.defaultBranch(ref);
      protectedNow = await pulls.branchProtected(ref, target);
    } catch (err) {
      if (!isForgeError(err)) throw err;
      return;
    }
    if (protectedNow) refuse(`${target}, which is a protected branch on ${pulls.forge}`);
    return;
  }
  const listed = forge.protectedBranches ?? [];
  if (listed.length === 0) return;
  if (!base) {
    throw new FleetError("validation", "the job is not valid", {
      errors: [{ path: `${at}delivery`, message: `delivery: merge pushes straight to the remote's default branch, which cannot be checked against FLEET_PROTECTED_BRANCHES (${listed.join(", ")}): set base-branch, or use delivery: pr (or branch)` }],
    });
  }
  if (listed.includes(base!)) refuse(`${base}, which FLEET_PROTECTED_BRANCHES protects`);
}

/** What the claim tells the agent to do with the job's commits. */
export function claimDeliveryOf(job: JobRecord, parent?: JobRecord): ClaimDelivery | undefined {
  if (job.task) {
    const d = parent?.delivery;
    if (!d?.headSha) return undefined;
    return {
      mode: d.mode,
      branch: d.branch,
      ...(d.baseBranch ? { baseBranch: d.baseBranch } : {}),
      task: job.task.kind,
      headSha: d.headSha,
      // A push task leases on the last head that reached the remote (none if nothing did).
      ...(job.task.kind === "push" && d.lastPushed ? { expectedHead: d.lastPushed } : {}),
    };
  }
  const d = job.delivery;
  if (!d) return undefined;
  // A follow-up of the review loop (follow-ups.ts) continues the branch from its pushed head.
  const startAt = job.followUpOf && d.lastPushed ? { startAt: d.lastPushed } : {};
  return { mode: d.mode, branch: d.branch, ...(d.baseBranch ? { baseBranch: d.baseBranch } : {}), ...(d.lastPushed ? { expectedHead: d.lastPushed } : {}), ...startAt };
}

/** A delivery task's stage after its attempt: done, failed for good, or the retry policy. */
export function stageAfterTask(report: CompleteRequest): NextStage | undefined {
  const d = report.delivery;
  if (report.outcome === "succeeded" && d?.pushed) return { stage: "shipped", via: ["review"], countAttempt: true, cause: "delivered" };
  if (d?.error && FINAL_REASONS.has(d.error.reason)) {
    return { stage: "failed", countAttempt: true, cause: `${d.error.reason}: ${d.error.message}`, failure: "agent_failed" };
  }
  return undefined;
}

/** A job's stage when its push failed: it waits in review, with Retry push. */
export function stageAfterFailedPush(report: CompleteRequest): NextStage | undefined {
  const d = report.delivery;
  if (report.outcome !== "succeeded" || !d || d.pushed) return undefined;
  const why = d.error ? `${d.error.reason}: ${d.error.message}` : "not pushed";
  return { stage: "review", countAttempt: true, cause: `the push of ${d.branch} failed (${why}); the commits are kept on the factory: Retry push` };
}

/** The job's delivery record after one of its own attempts reported (undefined: unchanged). */
export function deliveryAfterAttempt(job: JobRecord, report: DeliveryReport | undefined, factoryId: string, now: number): JobDelivery | undefined {
  if (!job.delivery || !report || job.task) return undefined;
  const d: JobDelivery = { ...job.delivery, headSha: report.headSha, factoryId };
  delete d.shipError;
  delete d.mergeSha;
  if (report.pushed) {
    d.pushedAt = now;
    d.lastPushed = report.headSha;
    delete d.pushError;
  } else {
    d.pushError = redactDeep(report.error ?? { reason: "git", message: "not pushed" });
  }
  return d;
}

export function withDelivery(patch: JobPatch | undefined, delivery: JobDelivery | undefined): JobPatch | undefined {
  if (!delivery) return patch;
  return { ...(patch ?? {}), delivery };
}

/** The attempt's delivery as the run keeps it. */
export function attemptDelivery(report: DeliveryReport | undefined): AttemptDelivery | undefined {
  return report ? redactDeep({ ...report }) : undefined;
}

/**
 * Ship of a job that delivers through plain git: refused while nothing is pushed, a push failed,
 * or a task is under way; else a merge task is queued and the job waits for it where it is.
 */
export async function queueShip(ctx: CoordinatorContext, job: JobRecord, by: string, with_: TaskWrite = {}): Promise<JobRecord> {
  refuseShip(job);
  return queueTask(ctx, job, "merge", by, with_);
}

/** What the action that queues a task writes with it, in the same write on the job. */
export interface TaskWrite {
  patch?: JobPatch;
  events?: JobEvent[];
}

/** Whether Ship lands this job through its delivery (a merge task) rather than by the stage alone. */
export function shipsThroughDelivery(job: JobRecord): boolean {
  const d = job.delivery;
  return d !== undefined && d.mergeSha === undefined && (d.headSha !== undefined || d.pushError !== undefined);
}

/** Throws the precise 409 when Ship cannot queue a merge now. */
export function refuseShip(job: JobRecord): void {
  const d = job.delivery!;
  if (d.task) throw new FleetError("conflict", `a ${d.task.kind} of ${d.branch} is under way (job ${d.task.jobId})`, { extra: { stage: job.stage } });
  if (d.pushError || !d.lastPushed || d.headSha !== d.lastPushed) {
    throw new FleetError("conflict", `${d.branch} is not pushed${d.pushError ? ` (${d.pushError.reason}: ${d.pushError.message})` : ""}: Retry push first`, {
      extra: { stage: job.stage },
    });
  }
}

/** Retry push: a push task on the factory that kept the local branch. */
export async function queueRetryPush(ctx: CoordinatorContext, job: JobRecord, by: string): Promise<JobRecord> {
  const d = job.delivery;
  if (!d?.pushError || !d.headSha || !d.factoryId) {
    throw new FleetError("conflict", d ? `${d.branch} has no failed push to retry` : "this job delivers nothing (no repo, or delivery: none)", { extra: { stage: job.stage } });
  }
  if (d.task) throw new FleetError("conflict", `a ${d.task.kind} of ${d.branch} is under way (job ${d.task.jobId})`, { extra: { stage: job.stage } });
  return queueTask(ctx, job, "push", by);
}

async function queueTask(ctx: CoordinatorContext, job: JobRecord, kind: DeliveryTask["kind"], by: string, with_: TaskWrite = {}): Promise<JobRecord> {
  const d = job.delivery!;
  const now = ctx.now();
  const runs = await ctx.store.listRuns(job.id);
  const last = [...runs].reverse().find((r) => r.factoryId === d.factoryId) ?? runs[runs.length - 1];
  const engine = last?.engine ?? job.manifest.engine ?? "shell";
  const factory = d.factoryId ?? last?.factoryId;
  const parsed = parseManifestObject({
    repo: job.manifest.repo,
    engine,
    // A push must happen where the local branch is; a merge may run on any factory the job could.
    capabilities: kind === "push" && factory ? [...job.manifest.capabilities, `factory:${factory}`] : job.manifest.capabilities,
    ...(kind === "merge" && factory ? { prefers: [`factory:${factory}`] } : {}),
    priority: "high",
    timeout: "15m",
    retry: TASK_RETRY,
    delivery: "none",
    ...(job.manifest.product ? { product: job.manifest.product } : {}),
  });
  if (!parsed.ok) throw new FleetError("validation", "the delivery task is not valid", { errors: parsed.errors });
  const id = newJobId();
  const what = kind === "merge" ? `Ship: merge ${d.branch}` : `Push ${d.branch}`;
  const { job: taskJob } = await ctx.store.submitJob({
    id,
    productId: job.productId,
    title: `${what} (${job.title})`.slice(0, 500),
    body: `${what} for job ${job.id}: the agent's own git does it; no engine runs.\n`,
    manifest: parsed.manifest,
    contentHash: sha256Hex(`${job.id}\u0000${kind}\u0000${id}`),
    stage: "queued",
    deps: [],
    depKeys: [],
    task: { kind, of: job.id },
    now,
  });
  await ctx.store.appendEvents(id, [jobEvent("job:submitted", now, { stage: "queued", title: what, by, task: { kind, of: job.id } })]);
  // The task exists before the job names it; if the job's write loses a race the task is cancelled
  // (a task its job does not name changes nothing when it ends: afterTaskAttempt checks).
  let moved: JobRecord;
  try {
    moved = await moveJob(ctx, job, job.stage, {
      by,
      patch: { ...with_.patch, delivery: { ...d, task: { kind, jobId: id } }, pendingReason: `${kind === "merge" ? "shipping" : "pushing"}: task ${id}` },
      events: [...(with_.events ?? []), jobEvent(kind === "merge" ? "delivery:ship_queued" : "delivery:push_queued", now, { task: id, branch: d.branch, by })],
    });
  } catch (e) {
    await moveJob(ctx, taskJob, "cancelled", { by: "coordinator", cause: "its job changed meanwhile", events: [jobEvent("job:cancelled", now, { reason: "its job changed meanwhile" })] }).catch(() => undefined);
    throw e;
  }
  ctx.metrics.jobsSubmitted.inc();
  ctx.notifier.jobChanged(id);
  ctx.notifier.jobQueued();
  return moved;
}

/**
 * After a delivery task's attempt is recorded: its job learns the result. Done → the head (push)
 * or the merge SHA and `shipped` (merge); failed for good → the reason, the job stays where it
 * was; queued again (the retry policy) → nothing yet. Written with a re-read on a version conflict.
 */
export async function afterTaskAttempt(ctx: CoordinatorContext, task: JobRecord, report: CompleteRequest): Promise<void> {
  if (!task.task) return;
  const finished = task.stage === "shipped" || task.stage === "failed" || task.stage === "dead_letter" || task.stage === "cancelled";
  if (!finished) return;
  for (let tries = 0; tries < 5; tries++) {
    const job = await ctx.store.getJob(task.task.of);
    const d = job?.delivery;
    if (!job || !d || d.task?.jobId !== task.id) return;
    const now = ctx.now();
    const r = report.delivery;
    const next: JobDelivery = { ...d };
    delete next.task;
    const events: JobEvent[] = [];
    let to = job.stage;
    if (task.stage === "shipped" && r?.pushed) {
      if (task.task.kind === "push") {
        Object.assign(next, { headSha: r.headSha, lastPushed: r.headSha, pushedAt: now });
        delete next.pushError;
        events.push(jobEvent("delivery:pushed", now, { branch: r.branch, headSha: r.headSha, task: task.id }));
      } else {
        Object.assign(next, { mergeSha: r.mergeSha, ...(r.baseBranch ? { baseBranch: r.baseBranch } : {}) });
        delete next.shipError;
        events.push(jobEvent("delivery:merged", now, { branch: r.branch, ...(r.baseBranch ? { baseBranch: r.baseBranch } : {}), ...(r.mergeSha ? { mergeSha: r.mergeSha } : {}), task: task.id }));
        if (job.stage === "review" || job.stage === "testing") to = "shipped";
      }
    } else {
      const error = redactDeep(r?.error ?? { reason: "git", message: `the ${task.task.kind} task ended ${task.stage}` });
      if (task.task.kind === "push") next.pushError = error;
      else next.shipError = error;
      events.push(jobEvent(task.task.kind === "push" ? "delivery:push_failed" : "delivery:ship_failed", now, { branch: d.branch, task: task.id, ...error }));
    }
    try {
      await moveJob(ctx, job, to, { by: `task:${task.id}`, cause: "merged into the base branch", patch: { delivery: next, pendingReason: null }, events });
      return;
    } catch (e) {
      if (!isStoreError(e, "conflict") && !isStoreError(e, "illegal_transition")) throw e;
    }
  }
}
