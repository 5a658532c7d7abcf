import { streamFleet } from "@/server/coordinator";
import { route } from "@/server/http/route";
import { sseResponse } from "@/server/http/sse";
import { log } from "@/server/log";

export const dynamic = "force-dynamic";

/** The dashboard's SSE: job events fleet-wide and factory heartbeats. */
export const GET = route({
  access: "viewer",
  handler: async ({ services, req }) =>
    sseResponse(req.signal, (send, signal) => streamFleet(services.ctx, req.headers.get("last-event-id"), send, signal), {
      onError: (err) => log.warn({ err }, "fleet stream ended with an error"),
    }),
});
