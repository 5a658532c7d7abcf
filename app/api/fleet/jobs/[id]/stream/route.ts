import { requireJob, streamJob } from "@/server/coordinator";
import { route } from "@/server/http/route";
import { sseResponse } from "@/server/http/sse";
import { log } from "@/server/log";
import { takeStreamSlot } from "@/server/limits/streams";

import { idParams, jobStreamMessage } from "@/lib/api";
import { eventStream } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/** SSE of the job's events and log lines; resumes from Last-Event-ID (`<event seq>.<log pos>`). */
export const GET = route({
  method: "GET",
  path: "/jobs/{id}/stream",
  access: "viewer",
  summary: "SSE of events and log lines (Last-Event-ID resumes)",
  params: idParams,
  responses: { 200: eventStream(jobStreamMessage, "Events and log lines, live") },
  // not_found; rate_limited: FLEET_MAX_STREAMS_PER_PRINCIPAL open streams per person or API token
  errors: ["not_found", "rate_limited"],
  handler: async ({ services, params, req, principal }) => {
    const jobId = params.id;
    await requireJob(services.ctx, jobId);
    const resumeFrom = req.headers.get("last-event-id") ?? req.nextUrl.searchParams.get("lastEventId");
    const release = takeStreamSlot(services.limits, principal);
    return sseResponse(req.signal, (send, signal) => streamJob(services.ctx, jobId, resumeFrom, send, signal).finally(release), {
      onError: (err) => log.warn({ err, jobId }, "job stream ended with an error"),
    });
  },
});
