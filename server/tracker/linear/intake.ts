import "server-only";
import { createHash } from "node:crypto";
import type { CoordinatorContext } from "@/server/coordinator/context";
import { submitJob } from "@/server/coordinator/submit";
import { FleetError, isFleetError } from "@/server/errors";
import { log } from "@/server/log";
import { isStoreError } from "@/server/store/errors";
import { webhookDeliveryKey } from "@/server/store/rules/webhook-deliveries";
import type { LinearItem, LinearTrackerPort } from "./adapter";
import { isIntakeLabel } from "./config";
import { TrackerError, type TrackerDelivery } from "./port-shape";

/**
 * What a verified Linear delivery does: an issue labelled for the fleet becomes a job. A thin
 * intake of the Linear route's own until the tracker intake (server/coordinator/tracker-intake.ts,
 * branch `tracker`: mapping of priority/cap labels and the yaml block, edits, follow-ups) lands.
 *
 * The delivery is a doorbell: the issue is read again from Linear (the API is the truth; a payload
 * may be stale or arrive out of order). The job carries `tracker-item: linear:ENG-42` and
 * idempotency-key = item id + content hash, so the same issue imported twice creates nothing.
 *
 * De-duplication as the GitHub webhook's: the delivery id is recorded first writer wins before
 * anything is done (of two copies only one acts), and released again should the handling fail, so
 * Linear's retry of the same delivery is handled rather than taken for a replay.
 */
export type LinearDeliveryOutcome =
  | { kind: "ignored"; event: string; reason: string }
  | { kind: "duplicate" }
  | { kind: "taken"; item: string; job?: { id: string; created: boolean }; reason?: string };

export async function takeLinearDelivery(ctx: CoordinatorContext, port: LinearTrackerPort, name: string, d: TrackerDelivery): Promise<LinearDeliveryOutcome> {
  const e = d.event;
  if (e.kind === "ignored" || e.kind === "ping") return { kind: "ignored", event: e.kind === "ping" ? "ping" : e.event, reason: "not an event the fleet acts on" };
  // Until the tracker intake lands, only labelling hands an issue over (edits, closes and comments wait for it).
  if (e.kind !== "labeled") return { kind: "ignored", event: e.kind, reason: `${e.kind} events are not taken yet` };
  if (!isIntakeLabel(e.label, port.label)) return { kind: "ignored", event: e.kind, reason: `label ${e.label.slice(0, 80)} is not the intake label ${port.label}` };
  const first = await ctx.store.recordWebhookDelivery({ productId: ctx.productId, source: "linear", deliveryId: d.deliveryId, event: name, receivedAt: ctx.now() });
  if (!first) return { kind: "duplicate" };
  try {
    const item = await port.fetchItem(e.item.id);
    if (!item) return { kind: "taken", item: e.item.id, reason: "Linear no longer has the issue (or the key may not see it)" };
    return await importLinearItem(ctx, port, item, `tracker:linear:${(d.actor ?? "unknown").slice(0, 64)}`);
  } catch (err) {
    await ctx.store.forgetWebhookDelivery(webhookDeliveryKey("linear", d.deliveryId)).catch((forgetErr: unknown) => log.warn({ err: forgetErr }, "could not release a failed webhook delivery"));
    if (isFleetError(err) || isStoreError(err)) throw err;
    // Linear unreachable or refusing: 503, so Linear retries the delivery later.
    if (err instanceof TrackerError) throw new FleetError("unavailable", `could not read ${e.item.id} from Linear (${err.reason}); Linear retries the delivery`, { retryAfterMs: 60_000 });
    throw err;
  }
}

/** The issue as a job submission; refused (with why) when it is closed, unlabelled or its team has no repository. */
export async function importLinearItem(ctx: CoordinatorContext, port: LinearTrackerPort, item: LinearItem, by: string): Promise<LinearDeliveryOutcome & { kind: "taken" }> {
  const intake = item.labels.find((l) => isIntakeLabel(l, port.label));
  if (item.state !== "open") return { kind: "taken", item: item.id, reason: "the issue is closed" };
  if (!intake) return { kind: "taken", item: item.id, reason: `the issue no longer carries ${port.label}` };
  if (!item.repo) return { kind: "taken", item: item.id, reason: `team ${item.teamKey} has no repository: set FLEET_LINEAR_REPOS=${item.teamKey}=<repository URL>` };
  const profile = intake.length > port.label.length ? intake.slice(port.label.length + 1) : undefined;
  const manifest = {
    repo: item.repo,
    "tracker-item": item.id,
    "idempotency-key": `${item.id}@${contentHash(item)}`,
    ...(profile ? { profile } : {}),
  };
  const body = `# ${item.title.replace(/\s+/g, " ").trim() || item.identifier}\n\n${item.body}\n\nLinear: ${item.url}\n`;
  const out = await submitJob(ctx, { kind: "json", value: { manifest, body } }, by);
  return { kind: "taken", item: item.id, job: { id: out.job.id, created: out.created } };
}

/** What the job is made of: the same text and labels hash the same, so a re-import creates nothing. */
function contentHash(item: LinearItem): string {
  return createHash("sha256")
    .update(JSON.stringify([item.title, item.body, [...item.labels].sort()]))
    .digest("hex")
    .slice(0, 16);
}
