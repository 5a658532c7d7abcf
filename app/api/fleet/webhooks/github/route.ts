import { GITHUB_WEBHOOK_MAX_BYTES, webhookDuplicate, webhookIgnored, webhookPong, webhookTaken } from "@/lib/api/webhooks";
import { z } from "zod";
import { webhookTrackerTaken } from "@/lib/tracker-api";
import { takeGithubDelivery } from "@/server/coordinator/github-webhook";
import { takeTrackerDelivery, trackerOutcomeView } from "@/server/coordinator/tracker-intake";
import { TRACKER_EVENTS } from "@/server/tracker/github/webhook";
import { isTrackerError } from "@/server/tracker/port";
import { FleetError } from "@/server/errors";
import { readDelivery, WebhookError } from "@/server/forge/github/webhook";
import { readBodyText } from "@/server/http/body";
import { reply, route } from "@/server/http/route";
import { json } from "@/server/http/spec";

export const dynamic = "force-dynamic";

/**
 * GitHub's webhook: pull_request, check_suite, check_run and pull_request_review refresh the pull
 * requests they name (server/coordinator/github-webhook.ts); ping answers; any other event is
 * accepted and ignored (202). Authenticated by the signature alone (X-Hub-Signature-256 with
 * GITHUB_WEBHOOK_SECRET), checked over the raw body before anything of it is read, so a bad
 * signature (401) changes nothing. De-duplicated on X-GitHub-Delivery: a replay answers 200
 * `{duplicate: true}` and changes nothing.
 */
export const POST = route({
  method: "POST",
  path: "/webhooks/github",
  access: "public",
  summary: "GitHub webhook (signed with GITHUB_WEBHOOK_SECRET): pull request, check and review events refresh the pull requests they name; issues and issue_comment feed the tracker intake",
  maxBodyBytes: GITHUB_WEBHOOK_MAX_BYTES,
  responses: {
    200: json(z.union([webhookTaken, webhookDuplicate, webhookPong, webhookTrackerTaken]), "Handled: the pull requests read again, a tracker item imported (issues, issue_comment), a duplicate delivery (nothing changed), or a ping"),
    202: json(webhookIgnored, "An event the coordinator does not act on (nothing changed)"),
  },
  errors: ["unauthorized", "validation", "payload_too_large", "unavailable"],
  handler: async ({ req, services }) => {
    const secret = services.env.GITHUB_WEBHOOK_SECRET;
    if (!secret) throw new FleetError("unavailable", "the GitHub webhook is not configured: set GITHUB_WEBHOOK_SECRET to the webhook's secret", { retryAfterMs: 3_600_000 });
    const raw = await readBodyText(req, GITHUB_WEBHOOK_MAX_BYTES);
    const d = await readDelivery(secret, raw, req.headers).catch((e: unknown) => {
      if (!(e instanceof WebhookError)) throw e;
      if (e.reason === "bad_signature") throw new FleetError("unauthorized", e.message, { errors: [{ path: "(header)", message: "X-Hub-Signature-256 must sign the body with GITHUB_WEBHOOK_SECRET" }] });
      throw new FleetError("validation", e.message, { errors: [{ path: e.path, message: e.message }] });
    });
    const delivery = d.deliveryId;
    // Tracker intake (issue 16): issues and issue_comment go to the GitHub Issues tracker port,
    // after the same signature check above; events by our own bot are ignored there.
    const tracker = services.ctx.tracker?.ports.find((p) => p.kind === "github");
    if (tracker && (TRACKER_EVENTS as readonly string[]).includes(d.name)) {
      let parsed;
      try {
        parsed = tracker.parseWebhook(raw, req.headers);
      } catch (e) {
        if (!isTrackerError(e)) throw e;
        throw new FleetError("validation", e.message, { errors: [{ path: e.path ?? "(body)", message: e.message }] });
      }
      const t = await takeTrackerDelivery(services.ctx, "github", d.name, parsed);
      if (t.kind === "duplicate") return { delivery, duplicate: true as const };
      if (t.kind === "ignored") return reply(202, { delivery, ignored: true as const, event: d.name, ...(parsed.event.kind === "ignored" && parsed.event.action !== undefined ? { action: parsed.event.action } : {}), reason: t.reason });
      return { delivery, event: d.name, tracker: trackerOutcomeView(t.outcome) };
    }
    const out = await takeGithubDelivery(services.ctx, d);
    switch (out.kind) {
      case "pong":
        return { delivery, pong: true as const };
      case "duplicate":
        return { delivery, duplicate: true as const };
      case "ignored":
        return reply(202, { delivery, ignored: true as const, event: out.event, ...(out.action !== undefined ? { action: out.action } : {}) });
      case "taken":
        return { delivery, event: d.name, refreshed: out.refreshed };
    }
  },
});
