import "server-only";
import { redact } from "@/lib/secrets";
import type { ListJobsQuery } from "@/lib/api/jobs";
import type { Stage } from "@/lib/types";
import { FleetError } from "@/server/errors";
import { jobIdForKey } from "@/server/store/ids";
import type { JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import { unmetDepsOf } from "./deps";
import { jobEvent } from "./events";
import { refreshDependents } from "./move-job";
import { deliveryAtSubmit } from "./delivery";
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
  const delivery = deliveryAtSubmit(ctx, spec.manifest, { id, title: spec.title });
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
    ...(delivery ? { delivery } : {}),
    now,
  });
  if (!created) return { job: jobView(job, { body: true, forge: ctx.forge }), created: false };
  ctx.metrics.jobsSubmitted.inc();
  await ctx.store.appendEvents(job.id, [jobEvent("job:submitted", now, { stage, title: job.title, by })]);
  ctx.notifier.jobChanged(job.id);
  if (stage === "queued") ctx.notifier.jobQueued();
  // Jobs submitted earlier may name this one by its key: "not submitted yet" becomes plain waiting.
  await refreshDependents(ctx, job.id);
  return { job: jobView(job, { body: true, forge: ctx.forge }), created: true };
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
  return { items: page.items.map((j) => jobView(j, { sla, forge: ctx.forge })), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
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
  return { ...jobView(job, { body: true, runs, sla: { targets: await slaOf(ctx), now: ctx.now() }, forge: ctx.forge }), ...(lockWait ? { pendingReason: lockWait } : {}) };
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
