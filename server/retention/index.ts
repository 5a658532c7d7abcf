import "server-only";
import type { CoordinatorContext } from "@/server/coordinator/context";
import { log } from "@/server/log";
import { pruneWebhookDeliveries } from "./webhook-deliveries";

/**
 * Retention (issue 13): the sweeper prunes the logs and events of jobs that have been terminal
 * (shipped, dead_letter, cancelled) for longer than the limit, a bounded batch per sweep so a
 * large backlog drains over several sweeps without holding the store. Off unless a limit is set:
 * FLEET_RETENTION_DAYS for both, FLEET_RETENTION_LOGS_DAYS / FLEET_RETENTION_EVENTS_DAYS per kind
 * (each overrides the shared one), and the Admin page's settings over the environment.
 * The job documents stay (the jobs table, costs and outcomes keep working); `fleet archive`
 * exports whole jobs first when they must be kept.
 */
export type { RetentionEnv } from "./types";

const DAY_MS = 86_400_000;
const BATCH = 50;

export async function retentionLimits(ctx: CoordinatorContext): Promise<{ logs?: number; events?: number }> {
  const saved = (await ctx.settings.get()).operations?.retention ?? {};
  const r = { ...ctx.retention, ...saved };
  const logs = r.logsDays ?? r.days;
  const events = r.eventsDays ?? r.days;
  return { ...(logs !== undefined ? { logs } : {}), ...(events !== undefined ? { events } : {}) };
}

/**
 * Sweeper step: one bounded batch per kind whose limit is set. Returns the pruned job ids per kind.
 * Webhook delivery records are pruned here too, always (webhook-deliveries.ts).
 */
export async function retentionStep(ctx: CoordinatorContext): Promise<{ logs: string[]; events: string[] }> {
  const deliveries = await pruneWebhookDeliveries(ctx);
  if (deliveries > 0) log.info({ deliveries }, "retention pruned webhook delivery records");
  const limits = await retentionLimits(ctx);
  const now = ctx.now();
  const out = { logs: [] as string[], events: [] as string[] };
  for (const what of ["logs", "events"] as const) {
    const days = limits[what];
    if (days === undefined) continue;
    out[what] = await ctx.store.pruneJobHistory({ what, terminalBefore: now - days * DAY_MS, limit: BATCH });
  }
  return out;
}
