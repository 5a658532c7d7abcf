import "server-only";
import type { Container } from "@azure/cosmos";
import type { EpochMs } from "../records";
import { newWebhookDeliveryRecord } from "../rules/webhook-deliveries";
import { WEBHOOK_SOURCES, type WebhookDeliveryRecord, type WebhookDeliveryStats } from "../webhook-records";
import { LOST, writeIfUnchanged } from "./cas";
import { isNotFound, mapCosmosError } from "./cosmos-errors";
import { param, query } from "./documents";

/**
 * Webhook delivery records on Cosmos (rules/webhook-deliveries.ts), one document each in their own
 * container partitioned by /id: recording is a point create, and of racing creates one succeeds
 * and the others get 409 (a replay). Retention queries by age across partitions (a small,
 * bounded container) and deletes point by point.
 */
export class CosmosWebhookDeliveries {
  constructor(private readonly c: Container) {}

  async record(d: Omit<WebhookDeliveryRecord, "id">): Promise<boolean> {
    const rec = newWebhookDeliveryRecord(d);
    return (await writeIfUnchanged(this.c, rec, rec.id, undefined)) !== LOST;
  }

  async forget(id: string): Promise<void> {
    try {
      await this.c.item(id, id).delete();
    } catch (e) {
      if (!isNotFound(e)) throw mapCosmosError(e);
    }
  }

  async prune(before: EpochMs, limit: number): Promise<number> {
    const old = await query<{ id: string }>(this.c, "SELECT TOP @n c.id FROM c WHERE c.receivedAt < @before ORDER BY c.receivedAt", [param("@n", limit), param("@before", before)]);
    for (const { id } of old) await this.forget(id);
    return old.length;
  }

  async stats(since: EpochMs): Promise<WebhookDeliveryStats[]> {
    // The test server has no aggregates: count in the app (one number per delivery; retention bounds the container).
    return Promise.all(
      WEBHOOK_SOURCES.map(async (source) => {
        const recent = await query<{ receivedAt: number }>(this.c, "SELECT c.receivedAt FROM c WHERE c.source = @source AND c.receivedAt >= @since", [param("@source", source), param("@since", since)]);
        const last = await query<{ receivedAt: number }>(this.c, "SELECT TOP 1 c.receivedAt FROM c WHERE c.source = @source ORDER BY c.receivedAt DESC", [param("@source", source)]);
        return { source, count: recent.length, ...(last[0] ? { lastAt: last[0].receivedAt } : {}) };
      }),
    );
  }
}
