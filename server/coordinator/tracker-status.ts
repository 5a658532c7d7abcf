import "server-only";
import { TRACKER_KINDS, type TrackersView, type TrackerStatusView } from "@/lib/api/trackers";
import type { TrackerKind } from "@/lib/tracker-item";
import type { TrackerSyncRecord } from "@/server/store/tracker-records";
import type { PollState } from "@/server/tracker/config";
import type { CoordinatorContext } from "./context";

/**
 * What the Admin page shows of each tracker (issue 16 item 7), composed from reads that exist for
 * other reasons: the poller's state in the context, the webhook delivery records (de-duplication)
 * and the write-back outbox. Credentials never reach this module: the caller says only which
 * settings are set, and a tracker is listed as connected only when its credential is.
 */
export interface TrackerSettingsFacts {
  github: { apiUrl: string; webhookSecretSet: boolean };
  linear: { apiUrl: string; webhookSecretSet: boolean };
}

const DAY_MS = 86_400_000;
/** The most pending write-backs one status read looks at; the outbox is small by design. */
const OUTBOX_READ = 500;

const CREDENTIAL: Record<TrackerKind, string> = { github: "GITHUB_TOKEN", linear: "LINEAR_API_KEY" };
const WEBHOOK_SECRET: Record<TrackerKind, string> = { github: "GITHUB_WEBHOOK_SECRET", linear: "LINEAR_WEBHOOK_SECRET" };
const HINT: Record<TrackerKind, string> = {
  github: "set GITHUB_TOKEN (issues: write) to import GitHub issues; GITHUB_WEBHOOK_SECRET for the webhook, FLEET_TRACKER_POLL_REPOS for the poller",
  linear: "set LINEAR_API_KEY to import Linear issues; LINEAR_WEBHOOK_SECRET for the webhook, FLEET_LINEAR_REPOS to map teams to repositories",
};

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export async function trackersStatus(ctx: CoordinatorContext, facts: TrackerSettingsFacts): Promise<TrackersView> {
  const now = ctx.now();
  const kinds = new Set((ctx.tracker?.ports ?? []).map((p) => p.kind));
  const [webhooks, pending, outboxPending] = await Promise.all([
    ctx.store.webhookDeliveryStats(now - DAY_MS),
    ctx.store.listTrackerSyncDue(Number.MAX_SAFE_INTEGER, OUTBOX_READ),
    ctx.store.countTrackerSyncPending(),
  ]);
  const truncated = pending.length >= OUTBOX_READ;
  const trackers: TrackerStatusView[] = TRACKER_KINDS.filter((k) => kinds.has(k)).map((kind) => {
    const scopes = kind === "github" ? pollScopes(ctx) : [];
    const hooks = webhooks.find((w) => w.source === kind);
    const outbox = outboxOf(pending.filter((r) => r.itemId.startsWith(`${kind}:`)), truncated, now);
    const pollError = scopes.find((s) => s.lastError)?.lastError;
    const lastError = outbox.lastError ?? pollError;
    const answered = scopes.some((s) => s.lastSyncAt) || hooks?.lastAt !== undefined;
    return {
      kind,
      connection: {
        credential: { name: CREDENTIAL[kind], state: "set" as const },
        apiUrl: facts[kind].apiUrl,
        webhookSecret: { name: WEBHOOK_SECRET[kind], state: facts[kind].webhookSecretSet ? ("set" as const) : ("unset" as const) },
        health: lastError ? ("failing" as const) : answered ? ("ok" as const) : ("idle" as const),
        ...(lastError ? { lastError } : {}),
      },
      poll: { everyMs: kind === "github" && scopes.length > 0 ? (ctx.tracker?.pollMs ?? 0) : 0, scopes },
      webhooks: { last24h: hooks?.count ?? 0, ...(hooks?.lastAt !== undefined ? { lastAt: iso(hooks.lastAt)! } : {}) },
      outbox,
    };
  });
  return {
    at: iso(now)!,
    trackers,
    unconfigured: TRACKER_KINDS.filter((k) => !kinds.has(k)).map((kind) => ({ kind, hint: HINT[kind] })),
    outboxPending,
  };
}

/** The poller's scopes (FLEET_TRACKER_POLL_REPOS), each with its state in this instance (rebuilt on restart). */
function pollScopes(ctx: CoordinatorContext): TrackerStatusView["poll"]["scopes"] {
  const t = ctx.tracker;
  if (!t || t.pollMs <= 0) return [];
  return t.pollRepos.map((scope) => {
    const st: PollState = t.poll.get(scope) ?? {};
    return {
      scope,
      ...(st.lastOkAt !== undefined ? { lastSyncAt: iso(st.lastOkAt)! } : {}),
      ...(st.lastAt !== undefined ? { lastAttemptAt: iso(st.lastAt)! } : {}),
      ...(st.lastError ? { lastError: st.lastError } : {}),
      ...(st.retryAt !== undefined && st.retryAt > ctx.now() ? { waitsUntil: iso(st.retryAt)! } : {}),
    };
  });
}

function outboxOf(pending: TrackerSyncRecord[], truncated: boolean, now: number): TrackerStatusView["outbox"] {
  let oldest: number | undefined;
  let newestFailure: TrackerSyncRecord | undefined;
  for (const r of pending) {
    const since = r.pendingSince ?? r.updatedAt;
    if (oldest === undefined || since < oldest) oldest = since;
    if (r.lastError && (!newestFailure || r.updatedAt > newestFailure.updatedAt)) newestFailure = r;
  }
  return {
    pending: pending.length,
    atLeast: truncated,
    ...(oldest !== undefined ? { oldestPendingAt: iso(oldest)!, oldestPendingAgeMs: Math.max(0, now - oldest) } : {}),
    ...(newestFailure?.lastError ? { lastError: newestFailure.lastError } : {}),
  };
}
