import "server-only";
import { openAlerts, type Alert } from "@/server/coordinator/alerts";
import type { CoordinatorContext } from "@/server/coordinator/context";
import type { AlertNotice, AlertNoticeKind, AlertStateRecord, DeliveryRecord } from "@/server/store/ops-records";
import { alertSinks, configuredSinks, type AlertSinks } from "./config";

/**
 * Alert episodes: the open alerts (derived from the store, coordinator/alerts.ts) compared with the
 * episodes kept in the store, once per sweep.
 *
 *   not kept, open      → create the episode (create-only: of several instances one opens it)
 *   kept, 0 notices     → queue *fired* to every configured sink, then count the notice
 *   kept, quiet period  → queue *refired*, count it
 *   kept, not open      → queue *resolved*, delete the episode
 *
 * Deliveries are queued BEFORE the episode moves on, with ids derived from (episode, notice
 * number, sink): a crash between the two, or two instances doing the same step, queue the same ids
 * again, which the outbox ignores. So every notice reaches each sink's outbox exactly once.
 */
const alertId = (a: Pick<Alert, "kind" | "subject">) => `${a.kind}:${a.subject}`;

export function linkFor(kind: AlertNotice["kind"], subject: string, baseUrl: string): string | undefined {
  switch (kind) {
    case "job_stalled":
    case "budget_exceeded":
    case "dead_letter":
      return `${baseUrl}/jobs/${encodeURIComponent(subject)}`;
    case "factory_offline":
      return `${baseUrl}/fleet`;
    case "failure_spike":
      return `${baseUrl}/jobs?stage=failed`;
    case "test":
      return `${baseUrl}/admin`;
  }
}

function deliveriesFor(st: AlertStateRecord, notice: AlertNoticeKind, n: string, message: string, sinks: AlertSinks, now: number): DeliveryRecord[] {
  const link = linkFor(st.kind, st.subject, sinks.baseUrl);
  const body: AlertNotice = { notice, kind: st.kind, subject: st.subject, message, openedAt: st.openedAt, at: now, ...(link ? { link } : {}) };
  return configuredSinks(sinks).map((sink) => ({
    id: `${st.id}@${st.openedAt}~${n}~${sink}`,
    alertId: st.id,
    sink,
    notice: body,
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
    version: 0,
  }));
}

export async function reconcileEpisodes(ctx: CoordinatorContext): Promise<{ fired: number; refired: number; resolved: number }> {
  const now = ctx.now();
  const sinks = await alertSinks(ctx);
  const open = new Map((await openAlerts(ctx)).map((a) => [alertId(a), a]));
  const kept = new Map((await ctx.store.listAlertStates()).map((s) => [s.id, s]));
  const out = { fired: 0, refired: 0, resolved: 0 };

  for (const [id, a] of open) {
    let st = kept.get(id);
    if (!st) {
      const fresh: AlertStateRecord = { id, kind: a.kind, subject: a.subject, message: a.message, openedAt: now, notices: 0, version: 0 };
      if (!(await ctx.store.saveAlertState(fresh, null))) continue; // another instance opened it
      st = { ...fresh, version: 1 };
    }
    const quiet = st.lastNoticeAt === undefined || now - st.lastNoticeAt >= sinks.quietMs;
    if (st.notices > 0 && !quiet) continue;
    const notice: AlertNoticeKind = st.notices === 0 ? "fired" : "refired";
    await ctx.store.enqueueDeliveries(deliveriesFor(st, notice, `n${st.notices + 1}`, a.message, sinks, now));
    if (await ctx.store.saveAlertState({ ...st, message: a.message, notices: st.notices + 1, lastNoticeAt: now }, st.version)) {
      if (notice === "fired") out.fired++;
      else out.refired++;
    }
  }
  for (const [id, st] of kept) {
    if (open.has(id)) continue;
    await ctx.store.enqueueDeliveries(deliveriesFor(st, "resolved", "resolved", `resolved: ${st.message}`, sinks, now));
    if (await ctx.store.deleteAlertState(id, st.version)) out.resolved++;
  }
  return out;
}
