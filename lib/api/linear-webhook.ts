import { z } from "zod";

/**
 * Answers of POST /api/fleet/webhooks/linear. Linear only reads the status (a non-2xx is retried);
 * the body says what happened, for whoever reads the webhook's delivery log.
 */
/** Linear's deliveries are a few KiB; past 1 MiB the body is refused (413) unread. */
export const LINEAR_WEBHOOK_MAX_BYTES = 1 << 20;

export const linearWebhookDuplicate = z.object({ delivery: z.string(), duplicate: z.literal(true) });

export const linearWebhookIgnored = z.object({ delivery: z.string(), ignored: z.literal(true), event: z.string(), reason: z.string() });
