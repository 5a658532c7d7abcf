import { metricsText } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** Prometheus text format (prom-client), for a viewer or the FLEET_METRICS_TOKEN. */
export const GET = route({
  access: "metrics",
  handler: async ({ services }) =>
    new Response(await metricsText(services.ctx), {
      headers: { "content-type": services.ctx.metrics.contentType, "cache-control": "no-store" },
    }),
});
