import "server-only";
import { redact } from "@/lib/secrets";
import { transitionCause } from "@/lib/stages";
import { sha256Hex, stableStringify } from "@/lib/hash";
import type { ListJobsQuery } from "@/lib/api/jobs";
import type { JobSpec, Stage } from "@/lib/types";
import { FleetError } from "@/server/errors";
import { jobIdForKey } from "@/server/store/ids";
import type { NewEvent } from "@/server/store/port";
import type { JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import { refreshDependents, unmetDepsOf } from "./deps";
import { pendingForBlocked } from "./policies/deps";
import { newJobId } from "./ids";
import { resolveSubmission, type Submission } from "./job-input";
import { slaOf } from "./sla";
import { eventView, jobView } from "./views";

/** How far the cycle check walks the dependency graph before giving up (protects the store). */
const MAX_DEP_WALK = 2_000;

export async function submitJob(ctx: CoordinatorContext, submission: Submission, by: string) {
  const { spec, rawHash, profile } = await resolveSubmission(ctx.profiles, submission);
  const productId = spec.manifest.product ?? ctx.productId;
  const key = spec.manifest["idempotency-key"];
  const id = key ? jobIdForKey(productId, key) : newJobId();

  const deps = await resolveDeps(ctx, productId, spec.manifest.deps);
  if (deps.includes(id)) throw cycleError([spec.title, spec.title]);
  await refuseCycles(ctx, id, spec.title, deps);
  const blockedReasons = await unmetDepsOf(ctx, deps, spec.manifest.deps);
  const stage = blockedReasons.length > 0 ? "blocked" : "queued";
  const now = ctx.now();
  const manifest = profile ? { ...spec.manifest, "x-profile": profile } : spec.manifest;
  const { job, created } = await ctx.store.submitJob({
    id,
    productId,
    // Titles and bodies are free text from strangers: a secret in them is redacted before it is stored.
    title: redact(spec.title),
    body: redact(spec.body),
    manifest,
    contentHash: rawHash,
    ...(key ? { idempotencyKey: key } : {}),
    stage,
    deps,
    depKeys: spec.manifest.deps,
    blockedReasons,
    ...(stage === "blocked" ? { pendingReason: pendingForBlocked(blockedReasons) } : {}),
    now,
  });
  if (!created) return { job: jobView(job, { body: true }), created: false };
  ctx.metrics.jobsSubmitted.inc();
  await ctx.store.appendEvents(job.id, [{ type: "job:submitted", at: now, data: { stage, title: job.title, by } }]);
  ctx.notifier.jobChanged(job.id);
  if (stage === "queued") ctx.notifier.jobQueued();
  // Jobs submitted earlier may name this one by its key: "not submitted yet" becomes plain waiting.
  await refreshDependents(ctx, job.id);
  return { job: jobView(job, { body: true }), created: true };
}

/** Each `deps` entry is a job id or an idempotency key (of a job that exists or is submitted later). */
async function resolveDeps(ctx: CoordinatorContext, productId: string, entries: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const entry of entries) {
    const byId = await ctx.store.getJob(entry);
    // A key not yet submitted still has a known id: ids of keyed jobs are derived from the key.
    out.push(byId ? byId.id : jobIdForKey(productId, entry));
  }
  return [...new Set(out)];
}

/** Depth-first from the new job's deps: reaching the new job's own id is a cycle, spelled out. */
async function refuseCycles(ctx: CoordinatorContext, newId: string, newTitle: string, deps: readonly string[]): Promise<void> {
  const seen = new Set<string>();
  const stack: { id: string; path: string[] }[] = deps.map((d) => ({ id: d, path: [d] }));
  let walked = 0;
  while (stack.length > 0) {
    const { id, path } = stack.pop()!;
    if (id === newId) {
      const names = await Promise.all(path.slice(0, -1).map(async (p) => (await ctx.store.getJob(p))?.title ?? p));
      throw cycleError([newTitle, ...names, newTitle]);
    }
    if (seen.has(id) || ++walked > MAX_DEP_WALK) continue;
    seen.add(id);
    const job = await ctx.store.getJob(id);
    for (const d of job?.deps ?? []) stack.push({ id: d, path: [...path, d] });
  }
}

function cycleError(titles: string[]): FleetError {
  const cycle = titles.join(" → ");
  return new FleetError("cycle", `dependency cycle: ${cycle}`, { errors: [{ path: "deps", message: `dependency cycle: ${cycle}` }] });
}

export async function listJobs(ctx: CoordinatorContext, q: ListJobsQuery) {
  const page = await ctx.store.listJobs(
    {
      ...(q.stage ? { stage: q.stage } : {}),
      ...(q.product ? { productId: q.product } : {}),
      ...(q.profile ? { profile: q.profile } : {}),
      ...(q.factory ? { factoryId: q.factory } : {}),
      ...(q.q ? { q: q.q } : {}),
    },
    q.cursor,
    q.limit,
    { by: q.sort, dir: q.order },
  );
  const sla = { targets: await slaOf(ctx), now: ctx.now() };
  return { items: page.items.map((j) => jobView(j, { sla })), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

export async function requireJob(ctx: CoordinatorContext, id: string): Promise<JobRecord> {
  const job = await ctx.store.getJob(id);
  if (!job) throw new FleetError("not_found", `no job ${id}`);
  return job;
}

export async function getJob(ctx: CoordinatorContext, id: string) {
  const job = await requireJob(ctx, id);
  const runs = await ctx.store.listRuns(id);
  const lockWait = await lockWaitReason(ctx, job);
  return { ...jobView(job, { body: true, runs, sla: { targets: await slaOf(ctx), now: ctx.now() } }), ...(lockWait ? { pendingReason: lockWait } : {}) };
}

/** A queued job whose lock another job's lease holds says which job it waits for. */
export async function lockWaitReason(ctx: CoordinatorContext, job: JobRecord): Promise<string | undefined> {
  if (job.stage !== "queued" || job.lock === undefined) return undefined;
  const holder = (await ctx.store.lockHolders([job.lock]))[job.lock];
  if (!holder || holder === job.id) return undefined;
  const h = await ctx.store.getJob(holder);
  return `waiting for lock ${job.lock}, held by ${holder}${h ? ` (${h.title})` : ""}`;
}

export async function jobEvents(ctx: CoordinatorContext, id: string, afterSeq: number, limit: number) {
  await requireJob(ctx, id);
  const events = await ctx.store.readEvents(id, afterSeq, limit);
  return { items: events.map(eventView) };
}

export function stageChanged(from: Stage, to: Stage, at: number, by?: string, cause?: string): NewEvent {
  return { type: "stage:changed", at, data: { from, to, cause: cause ?? transitionCause(from, to) ?? "", ...(by ? { by } : {}) } };
}

/** Wake-ups and dependency promotion that follow any stage change. */
export async function afterStageChange(ctx: CoordinatorContext, job: JobRecord): Promise<void> {
  ctx.notifier.jobChanged(job.id);
  if (job.stage === "queued") ctx.notifier.jobQueued();
  await promoteDependents(ctx, job.id);
}

/**
 * Dependents follow every stage change of their dependency: blocked jobs whose every dependency is
 * now in testing or shipped go to the queue; the others get reasons that say what they wait for.
 */
export async function promoteDependents(ctx: CoordinatorContext, jobId: string): Promise<number> {
  let promoted = 0;
  for (const dependent of await refreshDependents(ctx, jobId)) {
    if (await promoteIfReady(ctx, dependent)) promoted++;
  }
  return promoted;
}

export async function promoteIfReady(ctx: CoordinatorContext, job: JobRecord): Promise<boolean> {
  const unmet = await unmetDepsOf(ctx, job.deps, job.depKeys);
  if (unmet.length > 0) return false;
  const now = ctx.now();
  try {
    const moved = await ctx.store.transitionStage(job.id, {
      from: ["blocked"],
      to: "queued",
      expectedVersion: job.version,
      now,
      patch: { blockedReasons: [], pendingReason: null },
      event: { type: "job:unblocked", at: now, data: { deps: job.deps } },
    });
    await ctx.store.appendEvents(job.id, [stageChanged("blocked", "queued", now)]);
    ctx.notifier.jobChanged(job.id);
    ctx.notifier.jobQueued();
    return moved.stage === "queued";
  } catch {
    // Another instance (or an operator) moved it first; the sweeper's safety net re-checks later.
    return false;
  }
}

export async function dag(ctx: CoordinatorContext, productId: string | undefined) {
  const nodes: { id: string; title: string; stage: Stage }[] = [];
  const edges: { from: string; to: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.store.listJobs(productId ? { productId } : {}, cursor, 500);
    for (const j of page.items) {
      nodes.push({ id: j.id, title: j.title, stage: j.stage });
      for (const d of j.deps) edges.push({ from: d, to: j.id });
    }
    cursor = page.nextCursor;
  } while (cursor && nodes.length < 5_000);
  return { nodes, edges };
}

export function contentHashOf(spec: Pick<JobSpec, "manifest" | "body" | "title">): string {
  return sha256Hex(stableStringify({ manifest: spec.manifest, body: spec.body, title: spec.title }));
}
