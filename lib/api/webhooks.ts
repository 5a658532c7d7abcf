import { z } from "zod";

/**
 * Answers of the forge webhook routes (POST /api/fleet/webhooks/github). A forge only reads the
 * status; the body says what happened for whoever reads the forge's delivery log.
 */
/** GitHub caps a delivery at 25 MB; the events we read are a few KiB, so a body past 1 MiB is refused (413) unread. */
export const GITHUB_WEBHOOK_MAX_BYTES = 1 << 20;

export const webhookTaken = z.object({
  delivery: z.string(),
  event: z.string(),
  /** the pull requests of fleet jobs read again from the forge, as owner/repo#number (others are not ours) */
  refreshed: z.array(z.string()),
});

export const webhookDuplicate = z.object({ delivery: z.string(), duplicate: z.literal(true) });

export const webhookPong = z.object({ delivery: z.string(), pong: z.literal(true) });

/** `reason`: why a tracker event was not acted on (authored by our own bot, no mention, not an intake label…) */
export const webhookIgnored = z.object({ delivery: z.string(), ignored: z.literal(true), event: z.string(), action: z.string().optional(), reason: z.string().optional() });
