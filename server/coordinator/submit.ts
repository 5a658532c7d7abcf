import "server-only";
import { redact } from "@/lib/secrets";
import { FleetError } from "@/server/errors";
import { jobIdForKey } from "@/server/store/ids";
import type { CoordinatorContext } from "./context";
import { unmetDepsOf } from "./deps";
import { jobEvent } from "./events";
import { refreshDependents } from "./move-job";
import { pendingForBlocked } from "./policies/deps";
import { deliveryAtSubmit, refuseProtectedDirectPush } from "./delivery";
import { newJobId } from "./ids";
import { resolveSubmission, type Submission } from "./job-input";
import { jobView } from "./views";


/**
 * Submitting a job: parse and resolve the submission (job-input.ts), resolve `deps` (ids or keys),
 * refuse cycles, create it idempotently as queued or blocked, and let dependents that named it by
 * key stop waiting for "not submitted yet".
 */
/** How far the cycle check walks the dependency graph before giving up (protects the store). */
const MAX_DEP_WALK = 2_000;

/** `keyless`: the idempotency key of a job whose manifest names none (a folder inbox hand-over: run-import.ts). */
export async function submitJob(ctx: CoordinatorContext, submission: Submission, by: string, keyless?: string) {
  const { spec, rawHash, profile } = await resolveSubmission(ctx.profiles, submission);
  await refuseProtectedDirectPush(ctx, spec.manifest, submission.kind === "json" ? "manifest." : "");
  const productId = spec.manifest.product ?? ctx.productId;
  const key = spec.manifest["idempotency-key"] ?? keyless;
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
