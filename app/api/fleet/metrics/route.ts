import { metricsText } from "@/server/coordinator";
import { route } from "@/server/http/route";

import { plainText } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/** Prometheus text format (prom-client), for a viewer or the FLEET_METRICS_TOKEN. */
export const GET = route({
  method: "GET",
  path: "/metrics",
  access: "metrics",
  summary: "Prometheus text format (viewer or metrics token)",
  responses: { 200: plainText("Prometheus exposition format") },
  handler: async ({ services }) =>
    new Response(await metricsText(services.ctx), {
      headers: { "content-type": services.ctx.metrics.contentType, "cache-control": "no-store" },
    }),
});
