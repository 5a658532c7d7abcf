import "server-only";
import { log } from "@/server/log";
import type { JobPatch } from "@/server/store/port";
import type { JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "../context";
import { jobEvent } from "../events";
import { redactDeep } from "../redaction";
import { refusalOf, type Refusal } from "./gate";
import { writeWithRetry } from "./write";

/** A refused merge: the reason on pr.error (same stage, the UI shows it) and a pr_failed event. */
export async function recordRefusal(ctx: CoordinatorContext, job: JobRecord, r: Refusal): Promise<void> {
  const at = ctx.now();
  await writeWithRetry(ctx, job.id, (fresh) => {
    const pr = fresh.delivery?.pr;
    if (!pr) return undefined;
    return {
      to: fresh.stage,
      patch: { delivery: { ...fresh.delivery!, pr: { ...pr, error: redactDeep({ reason: r.reason, message: r.message }) } } },
      events: [jobEvent("delivery:pr_failed", at, { action: "merge", branch: fresh.delivery!.branch, number: pr.number, ...redactDeep(r) })],
    };
  }).catch((err: unknown) => log.warn({ err, jobId: job.id }, "could not record the refused merge"));
}

/** An open or read that failed: an event (the poll tries again), and on a recorded PR its error. */
export async function recordFailure(ctx: CoordinatorContext, job: JobRecord, action: "open" | "refresh", e: unknown): Promise<void> {
  const r = refusalOf(e);
  log.warn({ jobId: job.id, reason: r.reason, action }, `pull request ${action} failed: ${r.message}`);
  const at = ctx.now();
  // Always written (the job's updatedAt paces the poll's next try); the event once per distinct failure,
  // so a poll retrying through an outage does not flood the timeline.
  await writeWithRetry(ctx, job.id, (fresh) => {
    const d = fresh.delivery!;
    const last = d.pr?.error;
    const repeated = action === "refresh" && last?.reason === r.reason && last.message === redactDeep(r).message;
    const patch: JobPatch | undefined = d.pr ? { delivery: { ...d, pr: { ...d.pr, error: redactDeep(r) } } } : undefined;
    const events = repeated ? [] : [jobEvent("delivery:pr_failed", at, { action, branch: d.branch, ...(d.pr ? { number: d.pr.number } : {}), ...redactDeep(r) })];
    return { to: fresh.stage, ...(patch ? { patch } : {}), events };
  }).catch((err: unknown) => log.warn({ err, jobId: job.id }, "could not record the pull request failure"));
}

/** The latest failed open of the job's PR (its pr_failed event), if any. */
export async function lastOpenFailure(ctx: CoordinatorContext, jobId: string): Promise<{ reason: string; message: string } | undefined> {
  const events = await ctx.store.readEvents(jobId, 0, 1000);
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === "delivery:pr_opened") return undefined;
    if (e.type === "delivery:pr_failed" && (e.data as { action?: string }).action === "open") return e.data as { reason: string; message: string };
  }
  return undefined;
}
