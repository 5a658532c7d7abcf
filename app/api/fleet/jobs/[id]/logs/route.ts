import { openJobLog } from "@/server/coordinator";
import { route } from "@/server/http/route";

import { idParams, jobLogQuery } from "@/lib/api";
import { plainText } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/**
 * The stored, redacted log as text/plain, streamed page by page (server/coordinator/job-log.ts).
 * `nosniff` (set on every response) keeps a browser from running a log that looks like HTML.
 */
export const GET = route({
  method: "GET",
  path: "/jobs/{id}/logs",
  access: "viewer",
  summary: "The stored, redacted log as text/plain (every attempt; `since` = a chunk position)",
  params: idParams,
  query: jobLogQuery,
  responses: { 200: plainText("The log text after position `since`, every attempt in order") },
  errors: ["not_found"],
  handler: async ({ services, params, query, req }) => {
    const chunks = (await openJobLog(services.ctx, params.id, query.since))[Symbol.asyncIterator]();
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (req.signal.aborted) return controller.close();
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await chunks.return?.();
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
    });
  },
});
