import { alertSinksRequest } from "@/lib/api/operations";
import { actorOf } from "@/server/auth/principal";
import { saveAlertSinks } from "@/server/alerts";
import { route } from "@/server/http/route";

import { alertsOverviewView } from "@/lib/api/operations";
import { json } from "@/server/http/spec";

export const dynamic = "force-dynamic";

/** Sets where alerts go (over the environment's sinks); "" clears a field back to its env value. */
export const PUT = route({
  method: "PUT",
  path: "/alerts/sinks",
  access: "admin",
  summary: "Set where alerts go (webhook, Slack, e-mail recipients, quiet period)",
  responses: { 200: json(alertsOverviewView, "The alerts overview after the change") },
  body: alertSinksRequest,
  handler: ({ services, body, principal }) => saveAlertSinks(services.ctx, body, actorOf(principal)),
});
