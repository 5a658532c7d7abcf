import "server-only";
import { explainPending, type PendingExplanation } from "@/server/scheduler";
import type { Stage } from "@/lib/types";
import type { JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "../context";
import { toJobInput } from "./inputs";

/**
 * Why a job waits, for GET /jobs/{id} (computed on read against the current snapshot with the job
 * as the store has it now) and for the job list (the compact sentence: the last claim round's note,
 * else the stored reason, else computed when the job is in the cached queue window).
 */
export const WAITING_STAGES: readonly Stage[] = ["queued", "blocked", "paused"];

export interface PendingView extends PendingExplanation {
  /** what the last claim round here said about it ("deferred to mac-2"), if anything */
  lastRound?: { reason: string; at: string };
}

export async function explainWaiting(ctx: CoordinatorContext, job: JobRecord): Promise<PendingView | undefined> {
  if (!WAITING_STAGES.includes(job.stage)) return undefined;
  const svc = ctx.placement;
  const now = ctx.now();
  const snapshot = svc.source.withJob(await svc.source.snapshot(now), toJobInput(job));
  const explained = explainPending(snapshot, job.id, { index: svc.explainIndex });
  // A job still held by a cancelled lease (preempted, requeued by an operator) waits for that first.
  if (job.lease?.cancelled) {
    explained.sentence = `waiting for the cancelled lease on ${job.lease.factoryId} to end; then: ${explained.sentence}`;
    explained.blocked = true;
  }
  const note = svc.pending.get(job.id);
  return { ...explained, ...(note ? { lastRound: { reason: note.reason, at: new Date(note.at).toISOString() } } : {}) };
}

/** The compact reason for a list row, without any store read. */
export async function pendingReasonOf(ctx: CoordinatorContext, item: { id: string; stage: string; pendingReason?: string }): Promise<string | undefined> {
  if (!WAITING_STAGES.includes(item.stage as Stage)) return item.pendingReason;
  const svc = ctx.placement;
  const note = svc.pending.get(item.id);
  if (note) return note.reason;
  if (item.pendingReason) return item.pendingReason;
  const view = svc.source.job(item.id);
  if (!view) return undefined;
  const snapshot = await svc.source.snapshot(ctx.now());
  return explainPending(snapshot, item.id, { index: svc.explainIndex }).sentence;
}

/** Adds `pendingReason` to the waiting rows of a job list page (bounded: one page). */
export async function withPendingReasons<T extends { id: string; stage: string; pendingReason?: string }>(ctx: CoordinatorContext, items: T[]): Promise<T[]> {
  const out: T[] = [];
  for (const item of items) {
    const reason = await pendingReasonOf(ctx, item);
    out.push(reason !== undefined && reason !== item.pendingReason ? { ...item, pendingReason: reason } : item);
  }
  return out;
}
