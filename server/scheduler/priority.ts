/**
 * Priority aging: a job that has waited one aging period competes one level higher (low → medium
 * → high), so a steady stream of higher-priority work cannot starve it forever. Aging stops at
 * `high`: only a job submitted as `critical` may preempt others.
 */
import { PRIORITIES, type Priority } from "@/lib/types";
import type { SchedulerConfig } from "./config";
import type { JobInput } from "./types";

/** 0 = critical … 3 = low */
export function priorityRank(p: Priority): number {
  return PRIORITIES.indexOf(p);
}

export function waitedMs(job: JobInput, now: number): number {
  return Math.max(0, now - job.queuedAt);
}

export function agedPriority(job: JobInput, now: number, config: SchedulerConfig): Priority {
  const base = job.manifest.priority;
  const rank = priorityRank(base);
  if (rank <= 1) return base;
  const period = config.agingMs[base];
  const promotions = period > 0 ? Math.floor(waitedMs(job, now) / period) : 0;
  return PRIORITIES[Math.max(1, rank - promotions)]!;
}

/** Whether the job has waited past its aging threshold (it is then never deferred). */
export function pastAgingThreshold(job: JobInput, now: number, config: SchedulerConfig): boolean {
  return waitedMs(job, now) >= config.agingMs[job.manifest.priority];
}
