import { trackersView } from "@/lib/api/trackers";
import { trackersStatus } from "@/server/coordinator/tracker-status";
import { route } from "@/server/http/route";
import { json } from "@/server/http/spec";

export const dynamic = "force-dynamic";

/**
 * The Admin page's Trackers panel (issue 16 item 7): each connected tracker's settings (secrets
 * only as "set"), poll scopes with the last sync, webhook deliveries in the last day, and the
 * write-back outbox backlog. Only booleans and URLs of the settings are handed on: no credential
 * value leaves the wiring.
 */
export const GET = route({
  method: "GET",
  path: "/trackers",
  access: "admin",
  summary: "Trackers: connection (credentials only as set), poll scopes and last sync, webhook deliveries, write-back outbox backlog",
  responses: { 200: json(trackersView, "Each configured tracker's status, and the ones not configured with what to set") },
  handler: ({ services }) =>
    trackersStatus(services.ctx, {
      github: { apiUrl: services.env.GITHUB_API_URL, webhookSecretSet: Boolean(services.env.GITHUB_WEBHOOK_SECRET) },
      linear: { apiUrl: services.env.LINEAR_API_URL, webhookSecretSet: Boolean(services.env.LINEAR_WEBHOOK_SECRET) },
    }),
});
