import "server-only";
import { log } from "@/server/log";
import type { JobRecord } from "@/server/store/records";
import { trackerFailed, trackerSent, wantTrackerState } from "@/server/store/rules/tracker-sync";
import type { TrackerMilestone, TrackerSyncRecord } from "@/server/store/tracker-records";
import { trackerFor } from "@/server/tracker/config";
import { isTrackerError, TRACKER_LABELS } from "@/server/tracker/port";
import type { CoordinatorContext } from "./context";

/**
 * Write-back to the tracker item a job came from (issue 16 item 5), at milestones only, through the
 * persisted outbox (store `tracker_sync` records): a milestone writes the item's wanted state (the
 * one comment's whole text, its labels, closed or not) and the send happens right away when it can,
 * else from the sweeper (trackerSyncStep) with backoff. A tracker outage delays and loses nothing;
 * each send is the whole state, so the comment is edited in place, never duplicated.
 *
 * The one hook is `afterMove` (move-job.ts), which every stage change and delivery patch passes.
 */
const WRITE_TRIES = 4;
const STEP_LIMIT = 25;
const SEND_LEASE_MS = 60_000;
const ALL_STATE_LABELS = [TRACKER_LABELS.queued, TRACKER_LABELS.running, TRACKER_LABELS.failed];

/** The milestone a job is at now, or undefined between milestones. */
export function milestoneOf(job: JobRecord): TrackerMilestone | undefined {
  switch (job.stage) {
    case "queued":
    case "blocked":
      return "queued";
    case "assigned":
    case "building":
      return "started";
    case "review":
    case "testing":
      return job.delivery?.pr ? "pr_opened" : "started";
    case "shipped":
      return "shipped";
    case "failed":
    case "dead_letter":
      return "failed";
    // cancelled by a person, or replaced by the job of an edited item: its comment must not go on
    // saying "Queued" (and its labels on claiming it) for a job that will never run
    case "cancelled":
      return "cancelled";
    default:
      return undefined;
  }
}

/** Called by afterMove for every job write: a job from a tracker item that reached a new milestone writes its wanted state. */
export async function afterMoveTracker(ctx: CoordinatorContext, job: JobRecord, note?: string): Promise<void> {
  const itemId = job.manifest["tracker-item"];
  if (!itemId || job.task || job.followUpOf || !trackerFor(ctx.tracker, itemId)) return;
  const milestone = milestoneOf(job);
  if (!milestone) return;
  try {
    const wanted = await want(ctx, job, itemId, milestone, note);
    if (wanted) await sendTrackerSync(ctx, wanted);
  } catch (err) {
    // never fails the move: the outbox record (if written) is retried by the sweeper
    log.warn({ err, jobId: job.id }, "tracker write-back could not be recorded");
  }
}

async function want(ctx: CoordinatorContext, job: JobRecord, itemId: string, milestone: TrackerMilestone, note?: string): Promise<TrackerSyncRecord | undefined> {
  for (let i = 0; i < WRITE_TRIES; i++) {
    const cur = await ctx.store.getTrackerSync(job.id);
    const comment = await commentFor(ctx, job, milestone, note);
    // the same milestone with the same text again (a same-stage patch): nothing new to say
    if (cur && cur.milestone === milestone && cur.comment === comment) return undefined;
    const next = wantTrackerState(cur, { id: job.id, productId: job.productId, itemId, jobId: job.id, milestone, comment, ...labelsAndClose(milestone), now: ctx.now() });
    if (await ctx.store.saveTrackerSync(next, cur ? cur.version : null)) return (await ctx.store.getTrackerSync(job.id)) ?? undefined;
  }
  return undefined;
}

/** One "the item could not become a job" comment per item content (errors name the field). */
export async function wantInvalidComment(ctx: CoordinatorContext, itemId: string, hash: string, comment: string): Promise<void> {
  const id = `invalid:${itemId}@${hash}`;
  if (await ctx.store.getTrackerSync(id)) return;
  const rec = wantTrackerState(undefined, { id, productId: ctx.productId, itemId, milestone: "invalid", comment, labels: { add: [TRACKER_LABELS.failed], remove: [TRACKER_LABELS.queued, TRACKER_LABELS.running] }, close: false, now: ctx.now() });
  if (await ctx.store.saveTrackerSync(rec, null)) {
    const saved = await ctx.store.getTrackerSync(id);
    if (saved) await sendTrackerSync(ctx, saved);
  }
}

/** A comment on the item that is not tied to a milestone (an edit while running), folded into the job's one comment. */
export async function noteOnTracker(ctx: CoordinatorContext, job: JobRecord, note: string): Promise<void> {
  const itemId = job.manifest["tracker-item"];
  const milestone = milestoneOf(job);
  if (!itemId || !milestone) return;
  const wanted = await want(ctx, job, itemId, milestone, note);
  if (wanted) await sendTrackerSync(ctx, wanted);
}

function labelsAndClose(m: TrackerMilestone): { labels: { add: string[]; remove: string[] }; close: boolean } {
  const only = (label?: string) => ({ add: label ? [label] : [], remove: ALL_STATE_LABELS.filter((l) => l !== label) });
  switch (m) {
    case "queued":
      return { labels: only(TRACKER_LABELS.queued), close: false };
    case "started":
    case "pr_opened":
      return { labels: only(TRACKER_LABELS.running), close: false };
    case "shipped":
      return { labels: only(), close: true };
    case "cancelled":
      return { labels: only(), close: false };
    case "failed":
    case "invalid":
      return { labels: only(TRACKER_LABELS.failed), close: false };
  }
}

async function commentFor(ctx: CoordinatorContext, job: JobRecord, m: TrackerMilestone, note?: string): Promise<string> {
  const base = (ctx.tracker?.publicUrl ?? ctx.forge?.publicUrl ?? "http://localhost:3000").replace(/\/$/, "");
  const link = `[${job.id}](${base}/jobs/${job.id})`;
  const lines = [`**Gigafactory** job ${link}: ${job.title}`, ""];
  const runs = m === "shipped" || m === "failed" || m === "pr_opened" ? await ctx.store.listRuns(job.id) : [];
  const last = runs[runs.length - 1];
  const factoryName = async (id: string | undefined) => (id ? ((await ctx.store.getFactory(id))?.name ?? id) : "—");
  const pr = job.delivery?.pr;
  switch (m) {
    case "queued":
      lines.push("⏳ Queued.");
      break;
    case "started":
      lines.push(job.lease ? `🔨 Building on factory ${await factoryName(job.lease.factoryId)} with engine ${job.lease.engine}.` : "🔨 Started.");
      break;
    case "pr_opened":
      lines.push(`🔍 Pull request opened: ${pr?.url ?? "—"}`);
      break;
    case "shipped": {
      const sha = job.delivery?.mergeSha ?? pr?.mergeSha;
      lines.push(`✅ Shipped${sha ? ` as ${sha}` : ""}.`, "");
      if (pr) lines.push(`- Pull request: ${pr.url}`);
      if (sha) lines.push(`- Merge SHA: \`${sha}\``);
      lines.push(`- Verify: ${last?.verify ? (last.verify.passed ? "passed" : "failed") : job.manifest.verify ? "—" : "none"}`);
      lines.push(`- Cost: $${job.cost.usd.toFixed(2)}`);
      if (last) lines.push(`- Engine: ${last.engine}`, `- Factory: ${await factoryName(last.factoryId)}`);
      break;
    }
    case "failed":
      lines.push(`❌ ${job.stage === "dead_letter" ? "Dead-lettered" : "Failed"}: ${job.pendingReason ?? last?.outcome ?? "see the job"}. The issue stays open for a person.`);
      break;
    case "cancelled":
      lines.push("🚫 Cancelled: this job will not run.");
      break;
    case "invalid":
      break;
  }
  if (note) lines.push("", note);
  return lines.join("\n");
}

/** Sends one record's wanted state (comment, labels, close) and records the outcome. Never throws. */
export async function sendTrackerSync(ctx: CoordinatorContext, rec: TrackerSyncRecord): Promise<boolean> {
  if (rec.sentRev >= rec.rev) return false;
  const port = trackerFor(ctx.tracker, rec.itemId);
  if (!port) {
    // its tracker is no longer configured (a token removed): kept, visibly failing, and backed off
    // so it neither hot-loops nor crowds the due list; it is sent once the tracker is configured again
    await saveLatest(ctx, rec.id, (cur) => trackerFailed(cur, { error: "no tracker adapter serves this item (is its token set?)", now: ctx.now() }));
    return false;
  }
  // Claim the send (version-guarded): of the immediate send and a sweeper on any instance, one
  // sends; the claim lapses after SEND_LEASE_MS should this process die mid-send.
  if (!(await ctx.store.saveTrackerSync({ ...rec, nextAttemptAt: ctx.now() + SEND_LEASE_MS }, rec.version))) return false;
  let commentId = rec.commentId;
  try {
    commentId = (await port.comment(rec.itemId, rec.comment, commentId)).commentId;
    await port.setLabels(rec.itemId, rec.labels);
    // done on ship; in progress from the build on (Linear: the team's first `started` state; GitHub
    // has none, its agent:running label says it). Each send is the whole state, so a retry repeats it.
    if (rec.close) await port.setState(rec.itemId, "done");
    else if (rec.milestone === "started" || rec.milestone === "pr_opened") await port.setState(rec.itemId, "started");
  } catch (err) {
    const message = isTrackerError(err) ? `${err.reason}: ${err.message}` : "the tracker failed";
    const retryAt = isTrackerError(err) ? err.retryAt : undefined;
    await saveLatest(ctx, rec.id, (cur) => trackerFailed(cur, { error: message, now: ctx.now(), ...(retryAt ? { retryAt } : {}), ...(commentId ? { commentId } : {}) }));
    log.warn({ jobId: rec.jobId, itemId: rec.itemId, reason: message }, "tracker write-back failed; the sweeper retries");
    return false;
  }
  await saveLatest(ctx, rec.id, (cur) => trackerSent(cur, { rev: rec.rev, ...(commentId ? { commentId } : {}), now: ctx.now() }));
  return true;
}

async function saveLatest(ctx: CoordinatorContext, id: string, change: (cur: TrackerSyncRecord) => TrackerSyncRecord): Promise<void> {
  for (let i = 0; i < WRITE_TRIES; i++) {
    const cur = await ctx.store.getTrackerSync(id);
    if (!cur) return;
    if (await ctx.store.saveTrackerSync(change(cur), cur.version)) return;
  }
}

/** One write-back that waits for its tracker, as the Admin page shows it. */
export interface TrackerOutboxEntry {
  itemId: string;
  jobId?: string;
  milestone: TrackerMilestone;
  /** failed sends in a row (0: not tried yet, or only just due) */
  attempts: number;
  lastError?: string;
  nextAttemptAt?: number;
  updatedAt: number;
}

/**
 * The write-back backlog for the Admin page: how many records wait, and up to `limit` of them with
 * their attempts and last error, the most-failed first. A record is never dropped: after many
 * failures it stays pending (backed off, capped) and shows here until the tracker takes it.
 */
export async function trackerOutboxStatus(ctx: CoordinatorContext, limit = 50): Promise<{ pending: number; entries: TrackerOutboxEntry[] }> {
  const [pending, due] = await Promise.all([ctx.store.countTrackerSyncPending(), ctx.store.listTrackerSyncDue(Number.MAX_SAFE_INTEGER, Math.max(1, Math.min(limit, 500)))]);
  const entries = due
    .map((r) => ({ itemId: r.itemId, ...(r.jobId ? { jobId: r.jobId } : {}), milestone: r.milestone, attempts: r.attempts, ...(r.lastError ? { lastError: r.lastError } : {}), ...(r.nextAttemptAt !== undefined ? { nextAttemptAt: r.nextAttemptAt } : {}), updatedAt: r.updatedAt }))
    .sort((a, b) => b.attempts - a.attempts);
  return { pending, entries };
}

/** The sweeper step: sends every due record (a tracker that was down hears everything once it is back). */
export async function trackerSyncStep(ctx: CoordinatorContext): Promise<number> {
  if (!ctx.tracker?.ports.length) return 0;
  let sent = 0;
  for (const rec of await ctx.store.listTrackerSyncDue(ctx.now(), STEP_LIMIT)) {
    if (await sendTrackerSync(ctx, rec)) sent++;
  }
  return sent;
}
