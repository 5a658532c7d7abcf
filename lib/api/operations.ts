import { z } from "zod";
import { PRIORITIES } from "../types";

/**
 * Operator settings of the Admin page (issue 13): alert sinks, SLA targets, scheduler weights,
 * retention. Hostile input: every field is bounded and named in the error; an empty string clears
 * a sink (back to its environment default).
 */
const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2_000);
const clearable = <T extends z.ZodType>(t: T) => z.union([z.literal(""), t]);
const email = z.email().max(320);

export const alertSinksRequest = z.strictObject({
  webhookUrl: clearable(httpUrl).optional(),
  /** the HMAC-SHA256 key of the webhook's X-Fleet-Signature header */
  webhookSecret: clearable(z.string().min(16, "at least 16 characters").max(500)).optional(),
  slackUrl: clearable(httpUrl).optional(),
  emailTo: z.array(email).max(20).optional(),
  /** how long an open alert stays quiet before it is sent again */
  quietMs: z.number().int().min(1_000).max(7 * 86_400_000).optional(),
});
export type AlertSinksRequest = z.infer<typeof alertSinksRequest>;

const minutes = z.number().int().min(1_000).max(30 * 86_400_000);
export const slaTargetsSchema = z.strictObject(Object.fromEntries(PRIORITIES.map((p) => [p, minutes.optional()])) as Record<(typeof PRIORITIES)[number], z.ZodOptional<typeof minutes>>);

export const retentionSchema = z.strictObject({
  days: z.number().int().min(1).max(36_500).optional(),
  logsDays: z.number().int().min(1).max(36_500).optional(),
  eventsDays: z.number().int().min(1).max(36_500).optional(),
});

/** `GET /alerts` (and `PUT /alerts/sinks`): sinks (secrets only as set), open episodes, latest deliveries. */
export const alertsOverviewView = z.object({
  sinks: z.looseObject({ webhook: z.looseObject({ set: z.boolean() }), slack: z.looseObject({ set: z.boolean() }), email: z.looseObject({ set: z.boolean() }), quietMs: z.number() }),
  open: z.array(z.object({ kind: z.string(), subject: z.string(), message: z.string(), openedAt: z.string(), notices: z.number() })),
  deliveries: z.array(z.looseObject({ id: z.string() })),
  undelivered: z.number().int(),
});
/** `POST /alerts/test`: one delivery per configured sink, after its first try. */
export const testAlertView = z.object({ sent: z.array(z.looseObject({ id: z.string() })) });
/** `POST /alerts/deliveries/{id}/retry`: the delivery after the try. */
export const deliveryRetryView = z.object({ id: z.string(), delivered: z.boolean(), attempts: z.number().int(), lastError: z.string().optional() });
