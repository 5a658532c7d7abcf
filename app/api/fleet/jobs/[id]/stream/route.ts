import { requireJob, streamJob } from "@/server/coordinator";
import { route } from "@/server/http/route";
import { sseResponse } from "@/server/http/sse";
import { log } from "@/server/log";

export const dynamic = "force-dynamic";

/** SSE of the job's events and log lines; resumes from Last-Event-ID (`<event seq>.<log pos>`). */
export const GET = route({
  access: "viewer",
  handler: async ({ services, params, req }) => {
    const jobId = params.id!;
    await requireJob(services.ctx, jobId);
    const resumeFrom = req.headers.get("last-event-id") ?? req.nextUrl.searchParams.get("lastEventId");
    return sseResponse(req.signal, (send, signal) => streamJob(services.ctx, jobId, resumeFrom, send, signal), {
      onError: (err) => log.warn({ err, jobId }, "job stream ended with an error"),
    });
  },
});
