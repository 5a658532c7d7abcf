import { z } from "zod";
import { MAX_SCORER_WEIGHT, SCORER_NAMES, type ScorerName } from "../scorers";
import { PRIORITIES, type Priority } from "../types";

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

/** One weight per scorer (server/scheduler's declared table); an absent name keeps its env/default value. */
const weight = z.number().min(0, "must be at least 0").max(MAX_SCORER_WEIGHT, `must be at most ${MAX_SCORER_WEIGHT}`);
export const schedulerWeightsSchema = z.strictObject(
  Object.fromEntries(SCORER_NAMES.map((n) => [n, weight.optional()])) as Record<ScorerName, z.ZodOptional<typeof weight>>,
);

/**
 * `PUT /scheduling`: each part given replaces what the Admin page saved for it (send `{}` to fall
 * back to the environment and the defaults); a part left out is kept.
 */
export const schedulingSettingsRequest = z.strictObject({
  weights: schedulerWeightsSchema.optional(),
  /** ms a queued job of each priority may wait before it is overdue (1 s to 30 days) */
  slaMs: slaTargetsSchema.optional(),
});
export type SchedulingSettingsRequest = z.infer<typeof schedulingSettingsRequest>;

const source = z.enum(["default", "env", "settings"]);
/** `GET`/`PUT /scheduling`: the values in force, each with its default and where it comes from. */
export const schedulingSettingsView = z.object({
  weights: z.record(z.string(), z.object({ value: z.number(), default: z.number(), from: source })),
  slaMs: z.record(z.string(), z.object({ value: z.number(), default: z.number(), from: source })),
  updatedAt: z.string().optional(),
  by: z.string().optional(),
});
export type SchedulingSettingsView = z.infer<typeof schedulingSettingsView>;
export type SlaTargetsMs = Record<Priority, number>;

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
