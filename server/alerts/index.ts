import "server-only";
import type { AlertSinksRequest } from "@/lib/api/operations";
import type { CoordinatorContext } from "@/server/coordinator/context";
import type { DeliveryRecord } from "@/server/store/ops-records";
import { alertSinks, configuredSinks } from "./config";
import { reconcileEpisodes, linkFor } from "./episodes";
import { attemptDelivery, deliverDue, retryDelivery } from "./outbox";

/**
 * Alerts that reach people (issue 13): the sweeper step, the Admin page's view and controls.
 * See episodes.ts (what is sent when) and outbox.ts (how it is delivered).
 */
export { retryDelivery };

/** Sweeper step: move the episodes on, then send what is due. */
export async function alertStep(ctx: CoordinatorContext): Promise<{ fired: number; refired: number; resolved: number; sent: number }> {
  const moved = await reconcileEpisodes(ctx);
  return { ...moved, sent: await deliverDue(ctx) };
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function deliveryView(d: DeliveryRecord) {
  const status = d.deliveredAt !== undefined ? "delivered" : d.gaveUpAt !== undefined ? "failed" : d.attempts > 0 ? "retrying" : "pending";
  return {
    id: d.id,
    sink: d.sink,
    notice: d.notice.notice,
    kind: d.notice.kind,
    subject: d.notice.subject,
    message: d.notice.message,
    status,
    attempts: d.attempts,
    createdAt: iso(d.createdAt)!,
    ...(d.lastError ? { lastError: d.lastError } : {}),
    ...(d.nextAttemptAt !== undefined && status !== "delivered" ? { nextAttemptAt: iso(d.nextAttemptAt) } : {}),
    ...(d.deliveredAt !== undefined ? { deliveredAt: iso(d.deliveredAt) } : {}),
  };
}

/** Sinks (secrets shown only as set), open episodes and the latest deliveries. */
export async function alertsOverview(ctx: CoordinatorContext) {
  const sinks = await alertSinks(ctx);
  const saved = (await ctx.settings.get()).operations?.alerts ?? {};
  const episodes = await ctx.store.listAlertStates();
  const deliveries = await ctx.store.listDeliveries({ limit: 50 });
  return {
    sinks: {
      webhook: { set: sinks.webhook !== undefined, ...(sinks.webhook ? { url: sinks.webhook.url } : {}), from: saved.webhookUrl !== undefined ? "settings" : "env" },
      slack: { set: sinks.slack !== undefined, from: saved.slackUrl !== undefined ? "settings" : "env" },
      email: { set: sinks.email !== undefined, to: sinks.email?.to ?? [], smtp: Boolean(ctx.alerts?.smtpUrl) },
      quietMs: sinks.quietMs,
    },
    open: episodes.map((e) => ({ kind: e.kind, subject: e.subject, message: e.message, openedAt: iso(e.openedAt)!, notices: e.notices })),
    deliveries: deliveries.map(deliveryView),
    undelivered: deliveries.filter((d) => d.deliveredAt === undefined).length,
  };
}

/** Saves the sinks an admin set (merged over what was saved before; "" clears back to the env). */
export async function saveAlertSinks(ctx: CoordinatorContext, req: AlertSinksRequest, by: string) {
  const cur = (await ctx.store.getSettings()).operations;
  const alerts = { ...cur?.alerts, ...req };
  const settings = await ctx.store.saveOperationsSettings({ ...cur, alerts, updatedAt: ctx.now(), by });
  ctx.settings.set(settings);
  return alertsOverview(ctx);
}

/** *Send test alert*: one test notice to every configured sink, sent now; the outcome per sink. */
export async function sendTestAlert(ctx: CoordinatorContext, by: string) {
  const now = ctx.now();
  const sinks = await alertSinks(ctx);
  const link = linkFor("test", "test", sinks.baseUrl);
  const deliveries: DeliveryRecord[] = configuredSinks(sinks).map((sink) => ({
    id: `test~${now}~${sink}`,
    alertId: "test",
    sink,
    notice: { notice: "test", kind: "test", subject: "test", message: `a test alert sent by ${by}`, openedAt: now, at: now, ...(link ? { link } : {}) },
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
    version: 0,
  }));
  await ctx.store.enqueueDeliveries(deliveries);
  for (const d of deliveries) await attemptDelivery(ctx, { ...d, version: 1 }, sinks);
  const after = await ctx.store.listDeliveries({ limit: 50 });
  return { sent: deliveries.map((d) => deliveryView(after.find((x) => x.id === d.id) ?? d)) };
}
