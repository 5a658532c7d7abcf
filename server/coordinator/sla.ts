import "server-only";
import { PRIORITIES, type Priority } from "@/lib/types";
import type { JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";

/**
 * SLA targets: how long a queued job of each priority may wait before it counts as overdue. They
 * drive the jobs table's *overdue* marker and the `fleet_queue_overdue` metric; the scheduler
 * already orders by priority and age, so an SLA never relaxes a constraint, it only makes a late
 * job visible. Defaults here, overridden by FLEET_SLA_<PRIORITY> (env) and then per priority by the Admin page (settings).
 */
export type SlaTargets = Record<Priority, number>;

export const DEFAULT_SLA_MS: SlaTargets = {
  critical: 5 * 60_000,
  high: 30 * 60_000,
  medium: 4 * 3_600_000,
  low: 24 * 3_600_000,
};

export async function slaOf(ctx: CoordinatorContext): Promise<SlaTargets> {
  const fromSettings = (await ctx.settings.get()).operations?.slaMs;
  return { ...DEFAULT_SLA_MS, ...ctx.sla, ...fromSettings };
}

/** Milliseconds a queued job is past its SLA (0 or less: not overdue). Waiting starts at submit. */
export function overdueMs(job: Pick<JobRecord, "stage" | "priority" | "createdAt">, sla: SlaTargets, now: number): number {
  if (job.stage !== "queued") return 0;
  return now - job.createdAt - sla[job.priority];
}

export { PRIORITIES };
