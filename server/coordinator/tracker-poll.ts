import "server-only";
import { log } from "@/server/log";
import { intakeLabel, isTrackerError } from "@/server/tracker/port";
import type { CoordinatorContext } from "./context";
import { importTrackerItem } from "./tracker-intake";

/**
 * The poller (issue 16 item 2): the fallback for repositories where no webhook can be installed.
 * Every `pollMs` each configured scope (FLEET_TRACKER_POLL_REPOS) is listed since its cursor,
 * conditionally (the adapter sends If-None-Match, so an unchanged repository costs no rate limit),
 * and every open item with an intake label is imported (idempotent: the same content is the same
 * job). A rate-limited scope waits until the tracker says; an outage waits for the next round.
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
    if (st.lastAt !== undefined && now - st.lastAt < t.pollMs) continue;
    try {
      const res = await port.listLabelled(scope, st.cursor);
      t.poll.set(scope, { cursor: res.cursor, lastAt: now });
      for (const item of res.items) {
        if (item.state !== "open" || !item.labels.some((l) => intakeLabel(l))) continue;
        const out = await importTrackerItem(ctx, item, "tracker:poll");
        if (out.kind === "created") imported++;
      }
    } catch (err) {
      const retryAt = isTrackerError(err) ? err.retryAt : undefined;
      // wait until the tracker's reset time when it said one (rate limit), else one round
      t.poll.set(scope, { ...st, lastAt: retryAt ? Math.max(now, retryAt - t.pollMs) : now, lastError: isTrackerError(err) ? `${err.reason}: ${err.message}` : "failed" });
      log.warn({ scope, reason: isTrackerError(err) ? err.reason : "error" }, "tracker poll failed; retrying next round");
    }
  }
  return imported;
}
