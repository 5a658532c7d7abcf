import "server-only";
import type { ListJobsQuery } from "@/lib/api/jobs";
import type { Stage } from "@/lib/types";
import { FleetError } from "@/server/errors";
import type { JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import { slaOf } from "./sla";
import { eventView, jobView } from "./views";


/** Reading jobs: one job (with runs, and the lock it waits for), pages of jobs, events, the DAG. */

export async function listJobs(ctx: CoordinatorContext, q: ListJobsQuery) {
  const page = await ctx.store.listJobs(
    {
      ...(q.stage ? { stage: q.stage } : {}),
      ...(q.product ? { productId: q.product } : {}),
      ...(q.profile ? { profile: q.profile } : {}),
      ...(q.factory ? { factoryId: q.factory } : {}),
      ...(q.q ? { q: q.q } : {}),
      ...(q.tracker ? { tracker: q.tracker } : {}),
      ...(q.item ? { trackerItem: q.item } : {}),
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
