import { z } from "zod";

/**
 * `GET /trackers` (admin; issue 16 item 7): each configured tracker's connection, its poll scopes
 * with the last sync, its webhook deliveries and its write-back outbox backlog. Credentials appear
 * only as the literal "set" (a tracker without one is not connected, so it is not listed here but
 * under `unconfigured`, with what to set). Times are ISO strings; ages are milliseconds at `at`.
 */
export const TRACKER_KINDS = ["github", "linear"] as const;

const iso = z.string();

export const trackerPollScopeView = z.object({
  /** `owner/repo` (GitHub) */
  scope: z.string(),
  /** the last list the tracker answered (a "not modified" answer counts: nothing had changed) */
  lastSyncAt: iso.optional(),
  /** the last try, answered or not */
  lastAttemptAt: iso.optional(),
  /** the last try's refusal, until a list succeeds again */
  lastError: z.string().optional(),
  /** rate-limited: the scope is not listed again before this (the tracker's reset time) */
  waitsUntil: iso.optional(),
});

export const trackerStatusView = z.object({
  kind: z.enum(TRACKER_KINDS),
  connection: z.object({
    /** the setting that holds the credential (GITHUB_TOKEN, LINEAR_API_KEY): its value is never shown */
    credential: z.object({ name: z.string(), state: z.literal("set") }),
    /** where the adapter talks to (no credential in it) */
    apiUrl: z.string(),
    /** the webhook's signing secret: without it the webhook route answers 503 and only the poller imports */
    webhookSecret: z.object({ name: z.string(), state: z.enum(["set", "unset"]) }),
    /**
     * `failing` when the latest poll or write-back was refused, `ok` when the tracker answered or
     * delivered lately, `idle` before any traffic
     */
    health: z.enum(["ok", "failing", "idle"]),
    lastError: z.string().optional(),
  }),
  poll: z.object({
    /** the poller fallback lists these scopes every `everyMs` (0: off) */
    everyMs: z.number().int(),
    scopes: z.array(trackerPollScopeView),
  }),
  webhooks: z.object({
    /** deliveries taken from this tracker's webhook in the last 24 hours (GitHub: every event of the one webhook) */
    last24h: z.number().int(),
    lastAt: iso.optional(),
  }),
  outbox: z.object({
    /** write-backs the tracker has not heard yet */
    pending: z.number().int(),
    /** true when there were more pending records than one read returns: `pending` is a lower bound */
    atLeast: z.boolean(),
    oldestPendingAt: iso.optional(),
    oldestPendingAgeMs: z.number().int().optional(),
    /** the newest refusal among the pending ones */
    lastError: z.string().optional(),
  }),
});
export type TrackerStatusView = z.infer<typeof trackerStatusView>;

export const trackersView = z.object({
  at: iso,
  trackers: z.array(trackerStatusView),
  /** trackers that are not connected, with the setting that would connect them */
  unconfigured: z.array(z.object({ kind: z.enum(TRACKER_KINDS), hint: z.string() })),
  /** every pending write-back, all trackers together (countTrackerSyncPending) */
  outboxPending: z.number().int(),
});
export type TrackersView = z.infer<typeof trackersView>;
