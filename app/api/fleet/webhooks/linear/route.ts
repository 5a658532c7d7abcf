import { z } from "zod";
import { LINEAR_WEBHOOK_MAX_BYTES, linearWebhookDuplicate, linearWebhookIgnored } from "@/lib/api/linear-webhook";
import { webhookTrackerTaken } from "@/lib/tracker-api";
import { takeTrackerDelivery, trackerOutcomeView } from "@/server/coordinator/tracker-intake";
import { FleetError } from "@/server/errors";
import { readBodyBytes } from "@/server/http/body";
import { reply, route } from "@/server/http/route";
import { json } from "@/server/http/spec";
import { isTrackerError } from "@/server/tracker/port";
import { parseLinearWebhook, verifyLinearSignature } from "@/server/tracker/linear/webhook";
import type { LinearTrackerPort } from "@/server/tracker/linear/adapter";

export const dynamic = "force-dynamic";

/**
 * Linear's webhook (issue 16 item 3): an Issue created with, or updated to carry, the intake label
 * (agent:run[:<profile>]) becomes a job with `tracker-item: linear:ENG-42` through the tracker
 * intake (server/coordinator/tracker-intake.ts: mapping, idempotency, edits, follow-ups, the
 * write-back outbox). Authenticated by the signature alone: Linear-Signature (HMAC-SHA256 of the
 * raw body with LINEAR_WEBHOOK_SECRET) and the signed webhookTimestamp within a minute are checked
 * over the raw body before anything of it is read, so a bad signature or a stale replay (401)
 * changes nothing. De-duplicated on Linear-Delivery: a replay inside the minute answers 200
 * `{duplicate: true}` and changes nothing.
 */
export const POST = route({
  method: "POST",
  path: "/webhooks/linear",
  access: "public",
  summary: "Linear webhook (signed with LINEAR_WEBHOOK_SECRET): an issue labelled agent:run becomes a job",
  maxBodyBytes: LINEAR_WEBHOOK_MAX_BYTES,
  responses: {
    200: json(z.union([webhookTrackerTaken, linearWebhookDuplicate]), "Handled: what the tracker intake made of the issue, or a duplicate delivery (nothing changed)"),
    202: json(linearWebhookIgnored, "An event the coordinator does not act on (nothing changed)"),
  },
  errors: ["unauthorized", "validation", "payload_too_large", "unavailable"],
  handler: async ({ req, services }) => {
    const secret = services.env.LINEAR_WEBHOOK_SECRET;
    if (!secret) throw new FleetError("unavailable", "the Linear webhook is not configured: set LINEAR_WEBHOOK_SECRET to the webhook's signing secret", { retryAfterMs: 3_600_000 });
    const raw = Buffer.from(await readBodyBytes(req, LINEAR_WEBHOOK_MAX_BYTES));
    const signed = verifyLinearSignature(secret, raw, req.headers);
    if (!signed.ok) {
      if (signed.reason === "not_json") throw new FleetError("validation", signed.message, { errors: [{ path: signed.path, message: signed.message }] });
      throw new FleetError("unauthorized", signed.message, { errors: [{ path: signed.path, message: signed.message }] });
    }
    const port = services.ctx.tracker?.ports.find((p) => p.kind === "linear") as LinearTrackerPort | undefined;
    if (!port) throw new FleetError("unavailable", "Linear is not connected: set LINEAR_API_KEY so the coordinator can read the issue", { retryAfterMs: 3_600_000 });
    let d;
    try {
      d = parseLinearWebhook(raw, req.headers, { label: port.label, repos: services.env.FLEET_LINEAR_REPOS });
    } catch (e) {
      if (!isTrackerError(e)) throw e;
      throw new FleetError("validation", e.message, { errors: [{ path: e.path ?? "(body)", message: e.message }] });
    }
    const delivery = d.deliveryId;
    const e = d.event;
    // A Linear issue names no repository: without the team's mapping a job would have nowhere to run.
    if (e.kind === "labeled" && !e.item.repo) {
      const team = e.item.id.slice("linear:".length).split("-")[0];
      return { delivery, event: d.name, tracker: { outcome: "ignored" as const, reason: `team ${team} has no repository: set FLEET_LINEAR_REPOS=${team}=<repository URL>` } };
    }
    const t = await takeTrackerDelivery(services.ctx, "linear", d.name, d);
    if (t.kind === "duplicate") return { delivery, duplicate: true as const };
    if (t.kind === "ignored") return reply(202, { delivery, ignored: true as const, event: e.kind === "ignored" ? e.event : d.name, reason: t.reason });
    return { delivery, event: d.name, tracker: trackerOutcomeView(t.outcome) };
  },
});
