import "server-only";
import { log } from "@/server/log";
import { intakeLabel, isTrackerError } from "@/server/tracker/port";
import type { CoordinatorContext } from "./context";
import { importOrReplace } from "./tracker-intake";

/**
 * The poller (issue 16 item 2): the fallback for repositories where no webhook can be installed.
 * Every `pollMs` each configured scope (FLEET_TRACKER_POLL_REPOS) is listed since its cursor,
 * conditionally (the adapter sends If-None-Match, so an unchanged repository costs a 304 and no
 * rate limit), and every open item with an intake label is imported (idempotent: the same content
 * is the same job). An item whose text changed since its job was queued replaces that job (the
 * poller sees no "edited" event, so the intake looks the item's jobs up by id); one whose job runs
 * leaves it on the old text and its comment says so. A rate-limited scope waits until the tracker
 * says (x-ratelimit-reset / retry-after); an outage waits for the next round. Other scopes go on.
 */
export async function trackerPollStep(ctx: CoordinatorContext): Promise<number> {
  const t = ctx.tracker;
  if (!t || t.pollMs <= 0 || t.pollRepos.length === 0) return 0;
  const port = t.ports.find((p) => p.kind === "github");
  if (!port) return 0;
  const now = ctx.now();
  let imported = 0;
  for (const scope of t.pollRepos) {
    const st = t.poll.get(scope) ?? {};
    if (st.retryAt !== undefined && now < st.retryAt) continue;
    if (st.lastAt !== undefined && now - st.lastAt < t.pollMs) continue;
    try {
      const res = await port.listLabelled(scope, st.cursor);
      for (const item of res.items) {
        if (item.state !== "open" || !item.labels.some((l) => intakeLabel(l, port.label))) continue;
        const out = await importOrReplace(ctx, item, "tracker:poll");
        if (out.kind === "created") imported++;
      }
      // the cursor moves only once every item of the page was taken: a failure re-reads them (import is idempotent)
      t.poll.set(scope, { cursor: res.cursor, lastAt: now, lastOkAt: now, ...(res.notModified ? { notModified: true } : {}) });
    } catch (err) {
      const retryAt = isTrackerError(err) && err.reason === "rate_limited" ? (err.retryAt ?? now + t.pollMs) : undefined;
      t.poll.set(scope, { ...(st.cursor !== undefined ? { cursor: st.cursor } : {}), ...(st.lastOkAt !== undefined ? { lastOkAt: st.lastOkAt } : {}), lastAt: now, ...(retryAt ? { retryAt } : {}), lastError: isTrackerError(err) ? `${err.reason}: ${err.message}` : "failed" });
      log.warn({ scope, reason: isTrackerError(err) ? err.reason : "error", retryAt }, retryAt ? "tracker poll rate-limited; this scope waits until the tracker's reset" : "tracker poll failed; retrying next round");
    }
  }
  return imported;
}
