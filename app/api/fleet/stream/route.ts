import { streamFleet } from "@/server/coordinator";
import { route } from "@/server/http/route";
import { sseResponse } from "@/server/http/sse";
import { log } from "@/server/log";
import { takeStreamSlot } from "@/server/limits/streams";

import { eventStream } from "@/server/http/spec";
import { fleetStreamMessage } from "@/lib/api/stream";
export const dynamic = "force-dynamic";

/** The dashboard's SSE: job events fleet-wide and factory heartbeats. */
export const GET = route({
  method: "GET",
  path: "/stream",
  access: "viewer",
  summary: "Fleet-wide SSE for the dashboard: job events and factory heartbeats",
  responses: { 200: eventStream(fleetStreamMessage, "Job events and factory heartbeats, live") },
  // FLEET_MAX_STREAMS_PER_PRINCIPAL open streams per person or API token, then 429
  errors: ["rate_limited"],
  handler: async ({ services, req, principal }) => {
    const release = takeStreamSlot(services.limits, principal);
    return sseResponse(req.signal, (send, signal) => streamFleet(services.ctx, req.headers.get("last-event-id"), send, signal).finally(release), {
      onError: (err) => log.warn({ err }, "fleet stream ended with an error"),
    });
  },
});
