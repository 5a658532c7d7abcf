import "server-only";
import { FleetError, isFleetError } from "@/server/errors";
import { log } from "@/server/log";
import { jobIdForKey } from "@/server/store/ids";
import { isStoreError } from "@/server/store/errors";
import type { JobRecord } from "@/server/store/records";
import { webhookDeliveryKey } from "@/server/store/rules/webhook-deliveries";
import { trackerFor } from "@/server/tracker/config";
import { contentHashOfItem, itemKey, mapItem } from "@/server/tracker/mapping";
import { intakeLabel, isTrackerError, TRACKER_LABELS, type TrackerDelivery, type TrackerItem } from "@/server/tracker/port";
import type { TrackerImportOutcome } from "@/lib/tracker-api";
import type { CoordinatorContext } from "./context";
import { requestChanges } from "./follow-ups";
import { moveJob } from "./move-job";
import { submitJob } from "./submit";
import { afterMoveTracker, noteOnTracker, wantInvalidComment } from "./tracker-sync";

/**
 * Tracker intake (issue 16 items 2, 4, 6): a labelled item becomes a job, idempotently (the key is
 * item id + content hash, so the same item imported twice creates nothing); an item whose manifest
 * block is wrong gets ONE comment naming the field and no job; an edit before the job starts
 * replaces the queued job, an edit while it runs leaves it on the old text and the comment says
 * so; a comment mentioning the bot on an item whose job waits in review becomes a follow-up.
 */
export type ImportOutcome =
  | { kind: "created"; jobId: string }
  | { kind: "existing"; jobId: string }
  | { kind: "invalid"; errors: { path: string; message: string }[] }
  | { kind: "ignored"; reason: string };

const LIVE_RUNNING = ["assigned", "building", "review", "testing", "paused"] as const;
const NOT_STARTED = ["queued", "blocked"] as const;

/** The intake label of the tracker serving the item (FLEET_LINEAR_LABEL for Linear; default agent:run). */
export function intakeBaseOf(ctx: CoordinatorContext, itemId: string): string {
  return trackerFor(ctx.tracker, itemId)?.label ?? TRACKER_LABELS.run;
}

/** The job the item's current (or given) content maps to, if it was imported. */
async function jobOfContent(ctx: CoordinatorContext, item: TrackerItem): Promise<JobRecord | undefined> {
  return ctx.store.getJob(jobIdForKey(ctx.productId, itemKey(item.id, contentHashOfItem(item, intakeBaseOf(ctx, item.id)))));
}

/** The most pages read when looking for an item's jobs (the store filters by tracker-item substring; equality is checked here). */
const SCAN_PAGES = 10;
const SCAN_PAGE = 200;

/** The item's jobs in these stages (made from any version of its text), newest first; bounded. */
export async function jobsOfItem(ctx: CoordinatorContext, itemId: string, stages: readonly string[]): Promise<JobRecord[]> {
  const out: JobRecord[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < SCAN_PAGES; i++) {
    const page = await ctx.store.listJobs({ productId: ctx.productId, stage: stages as JobRecord["stage"][], trackerItem: itemId }, cursor, SCAN_PAGE);
    for (const j of page.items) if (j.manifest["tracker-item"] === itemId && !j.task && !j.followUpOf) out.push(j);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return out.sort((a, b) => b.createdAt - a.createdAt);
}

export async function importTrackerItem(ctx: CoordinatorContext, item: TrackerItem, by: string): Promise<ImportOutcome> {
  if (item.state !== "open") return { kind: "ignored", reason: "the item is closed" };
  const mapped = mapItem(item, intakeBaseOf(ctx, item.id));
  if (!mapped.ok) return invalid(ctx, item, mapped.hash, mapped.errors);
  let out: { job: { id: string }; created: boolean };
  try {
    out = (await submitJob(ctx, { kind: "json", value: { manifest: mapped.manifest, body: mapped.body } }, by)) as { job: { id: string }; created: boolean };
  } catch (e) {
    if (isFleetError(e) && e.code === "validation") return invalid(ctx, item, mapped.hash, problemsOf(e));
    throw e;
  }
  if (out.created) {
    const job = await ctx.store.getJob(out.job.id);
    if (job) await afterMoveTracker(ctx, job);
  }
  return { kind: out.created ? "created" : "existing", jobId: out.job.id };
}

function problemsOf(e: FleetError): { path: string; message: string }[] {
  return e.errors?.length ? e.errors : [{ path: "(item)", message: e.message }];
}

async function invalid(ctx: CoordinatorContext, item: TrackerItem, hash: string, errors: { path: string; message: string }[]): Promise<ImportOutcome> {
  const shown = errors.slice(0, 10).map((p) => `- \`${p.path.replace(/`/g, "'")}\`: ${p.message}`);
  const comment = ["**Gigafactory** could not turn this issue into a job:", "", ...shown, "", "Fix the issue text (or its labels) and edit it; no job was queued."].join("\n");
  await wantInvalidComment(ctx, item.id, hash, comment);
  return { kind: "invalid", errors };
}

/** An edit: before start the queued job is replaced; while running it continues on the old text. */
export async function itemEdited(ctx: CoordinatorContext, item: TrackerItem, previous: { title?: string; body?: string } | undefined, by: string): Promise<ImportOutcome> {
  const base = intakeBaseOf(ctx, item.id);
  if (!item.labels.some((l) => intakeLabel(l, base))) return { kind: "ignored", reason: `the item has no ${base} label` };
  if (previous && (previous.title !== undefined || previous.body !== undefined)) {
    const before = { ...item, ...(previous.title !== undefined ? { title: previous.title } : {}), ...(previous.body !== undefined ? { body: previous.body } : {}) };
    const old = await jobOfContent(ctx, before);
    if (old && (LIVE_RUNNING as readonly string[]).includes(old.stage)) {
      await noteOnTracker(ctx, old, editedWhileRunning(base));
      return { kind: "existing", jobId: old.id };
    }
    if (old && (NOT_STARTED as readonly string[]).includes(old.stage)) {
      try {
        await moveJob(ctx, old, "cancelled", { by, cause: "the tracker item was edited before the job started: replaced by a job on the new text" });
      } catch (e) {
        // claimed meanwhile: it runs on the old text, and the comment says so
        if (!isStoreError(e, "conflict") && !isStoreError(e, "illegal_transition")) throw e;
        const fresh = await ctx.store.getJob(old.id);
        if (fresh) await noteOnTracker(ctx, fresh, "✏️ The issue was edited as this job started: it continues on the text it started with.");
        return { kind: "existing", jobId: old.id };
      }
    }
  }
  // no previous text (or no job of it): look the item's jobs up by id
  return importOrReplace(ctx, item, by);
}

/** The note folded into a running job's one comment when its item is edited (issue 16 item 6). */
export const editedWhileRunning = (base: string) => `✏️ The issue was edited while this job runs: it continues on the text it started with. Re-label the issue \`${base}\` to re-run it on the new text.`;

/**
 * The poller's (and any intake without the previous text's) edit: the item's current text maps to
 * no job yet, so jobs of an older text are looked up by item id. A queued one is replaced (cancelled,
 * then the new text imported); a running one continues on its text and its comment says so, and
 * nothing new is queued (re-label to re-run).
 */
export async function importOrReplace(ctx: CoordinatorContext, item: TrackerItem, by: string): Promise<ImportOutcome> {
  if (item.state !== "open") return { kind: "ignored", reason: "the item is closed" };
  const current = await jobOfContent(ctx, item);
  if (current) return { kind: "existing", jobId: current.id };
  const running = (await jobsOfItem(ctx, item.id, LIVE_RUNNING))[0];
  if (running) {
    await noteOnTracker(ctx, running, editedWhileRunning(intakeBaseOf(ctx, item.id)));
    return { kind: "existing", jobId: running.id };
  }
  for (const old of await jobsOfItem(ctx, item.id, NOT_STARTED)) {
    try {
      await moveJob(ctx, old, "cancelled", { by, cause: "the tracker item was edited before the job started: replaced by a job on the new text" });
    } catch (e) {
      if (!isStoreError(e, "conflict") && !isStoreError(e, "illegal_transition")) throw e;
      // claimed meanwhile: it runs on the old text, and the comment says so
      const fresh = await ctx.store.getJob(old.id);
      if (fresh) await noteOnTracker(ctx, fresh, editedWhileRunning(intakeBaseOf(ctx, item.id)));
      return { kind: "existing", jobId: old.id };
    }
  }
  return importTrackerItem(ctx, item, by);
}

export type TrackerDeliveryOutcome = { kind: "duplicate" } | { kind: "ignored"; reason: string } | { kind: "taken"; outcome: ImportOutcome };

/** A verified tracker webhook delivery (the route checked the signature over the raw body first). */
export async function takeTrackerDelivery(ctx: CoordinatorContext, source: "github" | "linear", eventName: string, d: TrackerDelivery): Promise<TrackerDeliveryOutcome> {
  const e = d.event;
  if (e.kind === "ignored" || e.kind === "ping") return { kind: "ignored", reason: `${e.kind === "ping" ? "ping" : e.event}` };
  if (d.actor && ctx.tracker?.botLogins.some((b) => b.toLowerCase() === d.actor!.toLowerCase())) return { kind: "ignored", reason: "authored by our own bot" };
  const port = trackerFor(ctx.tracker, e.item.id);
  if (!port) return { kind: "ignored", reason: "no tracker adapter serves this item" };
  if (e.kind === "labeled" && !intakeLabel(e.label, port.label)) return { kind: "ignored", reason: `label ${e.label.slice(0, 80)} is not an intake label` };
  if (e.kind === "comment" && !mentions(e.body, ctx.tracker?.mention)) return { kind: "ignored", reason: "the comment does not mention the bot" };
  const first = await ctx.store.recordWebhookDelivery({ productId: ctx.productId, source, deliveryId: d.deliveryId, event: eventName, receivedAt: ctx.now() });
  if (!first) return { kind: "duplicate" };
  const by = `tracker:${(d.actor ?? "unknown").slice(0, 64)}`;
  try {
    switch (e.kind) {
      case "labeled": {
        // a delivery is a doorbell: the item as the tracker says it is now
        const item = (await port.fetchItem(e.item.id)) ?? e.item;
        return { kind: "taken", outcome: await importTrackerItem(ctx, item, by) };
      }
      case "edited":
        return { kind: "taken", outcome: await itemEdited(ctx, e.item, e.previous, by) };
      case "closed": {
        const job = await jobOfContent(ctx, e.item);
        if (job && (NOT_STARTED as readonly string[]).includes(job.stage)) await moveJob(ctx, job, "cancelled", { by, cause: "the tracker item was closed before the job started" });
        return { kind: "taken", outcome: job ? { kind: "existing", jobId: job.id } : { kind: "ignored", reason: "no job for this item" } };
      }
      case "comment": {
        // by item id, not content: a Linear comment event carries no issue text, and the job may be of an older text
        const job = (await jobsOfItem(ctx, e.item.id, ["review", "testing"]))[0];
        if (!job) return { kind: "taken", outcome: { kind: "ignored", reason: "no job of this item waits in review or testing, so there is no branch to follow up on" } };
        try {
          await requestChanges(ctx, job, e.body.slice(0, 20_000), by);
        } catch (err) {
          // the job cannot take a follow-up now (nothing pushed, merged already…): the reason is the answer
          if (isFleetError(err) && err.code === "conflict") return { kind: "taken", outcome: { kind: "ignored", reason: err.message } };
          throw err;
        }
        return { kind: "taken", outcome: { kind: "existing", jobId: job.id } };
      }
    }
  } catch (err) {
    await ctx.store.forgetWebhookDelivery(webhookDeliveryKey(source, d.deliveryId)).catch((forgetErr: unknown) => log.warn({ err: forgetErr }, "could not release a failed webhook delivery"));
    if (isFleetError(err) || isStoreError(err)) throw err;
    if (isTrackerError(err)) throw new FleetError("unavailable", `could not read the item from the tracker (${err.reason}); redeliver the webhook later`, { retryAfterMs: 60_000 });
    throw err;
  }
}

function mentions(body: string, mention: string | undefined): boolean {
  if (!mention) return false;
  return body.slice(0, 20_000).toLowerCase().includes(mention.toLowerCase());
}

/** Import by id (POST /tracker/import, `fleet from-tracker`): the item as the tracker says it is now. */
export async function importTrackerItemById(ctx: CoordinatorContext, itemId: string, by: string): Promise<ImportOutcome> {
  const port = trackerFor(ctx.tracker, itemId);
  if (!port) throw new FleetError("unavailable", `no tracker is configured for ${itemId.slice(0, 160)}: set GITHUB_TOKEN (GitHub Issues) or LINEAR_API_KEY (Linear)`, { errors: [{ path: "item", message: "no tracker adapter serves this item" }] });
  let item: TrackerItem | undefined;
  try {
    item = await port.fetchItem(itemId);
  } catch (e) {
    if (isTrackerError(e)) throw new FleetError(e.reason === "not_found" ? "not_found" : "unavailable", `the tracker refused: ${e.message}`, { errors: [{ path: "item", message: e.message }] });
    throw e;
  }
  if (!item) throw new FleetError("not_found", `${itemId} does not exist (or the token may not see it)`, { errors: [{ path: "item", message: "no such item" }] });
  return importTrackerItem(ctx, item, by);
}

/** The API form of an import's outcome (lib/tracker-api.ts). */
export function trackerOutcomeView(o: ImportOutcome): TrackerImportOutcome {
  switch (o.kind) {
    case "created":
    case "existing":
      return { outcome: o.kind, jobId: o.jobId };
    case "invalid":
      return { outcome: "invalid", errors: o.errors };
    case "ignored":
      return { outcome: "ignored", reason: o.reason };
  }
}
