import "server-only";
import type { WebhookDeliveryRecord, WebhookSource } from "../webhook-records";

/**
 * The rules of webhook delivery records, once for both providers: the id is derived from the
 * source and the forge's delivery id; a record is created once (first writer wins: the SQLite
 * primary key, a Cosmos create's 409) and never changed, only deleted by retention, or by the
 * handler that took it and failed (so the forge's redelivery is handled rather than skipped).
 */
const DELIVERY_ID = /^[\w-]{1,100}$/;

export const webhookDeliveryKey = (source: WebhookSource, deliveryId: string): string => `${source}:${deliveryId}`;

export function newWebhookDeliveryRecord(d: Omit<WebhookDeliveryRecord, "id">): WebhookDeliveryRecord {
  // The route checked both already (server/forge/github/webhook.ts); a caller that did not is a bug.
  if (!DELIVERY_ID.test(d.deliveryId)) throw new Error(`webhook delivery id ${JSON.stringify(d.deliveryId.slice(0, 120))} is not a delivery id`);
  if (!/^[a-z_]{1,60}$/.test(d.event)) throw new Error(`webhook event ${JSON.stringify(d.event.slice(0, 80))} is not an event name`);
  return { id: webhookDeliveryKey(d.source, d.deliveryId), productId: d.productId, source: d.source, deliveryId: d.deliveryId, event: d.event, receivedAt: d.receivedAt };
}
