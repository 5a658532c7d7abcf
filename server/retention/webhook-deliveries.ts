import "server-only";
import type { CoordinatorContext } from "@/server/coordinator/context";

/**
 * Webhook delivery records (server/store/webhook-records.ts) only exist to refuse a replay, and a
 * forge redelivers within hours (GitHub keeps deliveries for a few days), so they are pruned after
 * a week whatever the history retention says: always on, a bounded batch per sweep.
 */
export const WEBHOOK_DELIVERY_RETENTION_MS = 7 * 86_400_000;
const BATCH = 500;

/** Sweeper step: deletes one batch of delivery records older than the retention; returns how many. */
export async function pruneWebhookDeliveries(ctx: CoordinatorContext): Promise<number> {
  return ctx.store.pruneWebhookDeliveries(ctx.now() - WEBHOOK_DELIVERY_RETENTION_MS, BATCH);
}
