import "server-only";
import type { EpochMs } from "./records";

/**
 * A webhook delivery the coordinator has taken (issue 15: "a replayed delivery changes nothing").
 * The forge names each delivery (GitHub's X-GitHub-Delivery); the first request that records the
 * name handles it, every later one with the same name is a replay. Kept for a bounded time
 * (server/retention/webhook-deliveries.ts): a forge redelivers within hours, not weeks.
 */
export const WEBHOOK_SOURCES = ["github", "linear"] as const;
export type WebhookSource = (typeof WEBHOOK_SOURCES)[number];

export interface WebhookDeliveryRecord {
  /** `${source}:${deliveryId}`: two forges may reuse each other's ids */
  id: string;
  productId: string;
  source: WebhookSource;
  deliveryId: string;
  /** the event name as the forge sent it (`pull_request`, `check_suite`…) */
  event: string;
  receivedAt: EpochMs;
}

/** One source's deliveries as the Admin page shows them (Store.webhookDeliveryStats). */
export interface WebhookDeliveryStats {
  source: WebhookSource;
  /** deliveries received at or after the asked time */
  count: number;
  /** the latest delivery kept, whenever it arrived */
  lastAt?: EpochMs;
}
