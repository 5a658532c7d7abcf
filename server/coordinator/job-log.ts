import "server-only";
import type { CoordinatorContext } from "./context";
import { requireJob } from "./jobs";

/**
 * A job's stored log as plain text (`GET /jobs/{id}/logs`, `fleet logs ID` for a finished job, the
 * job page's *Download log*). The chunks were redacted before they were stored (redaction.ts), so
 * this reads them as they are, every attempt in `pos` order, a page at a time: a 16 MiB log is never
 * held in memory whole. `not_found` is decided before the first byte, so the caller can still answer
 * with a problem; a store failure later cuts the body short (the client sees an aborted download).
 */
const PAGE = 500;

export async function openJobLog(ctx: CoordinatorContext, jobId: string, since: number): Promise<AsyncIterable<string>> {
  await requireJob(ctx, jobId);
  return readJobLog(ctx, jobId, since);
}

async function* readJobLog(ctx: CoordinatorContext, jobId: string, since: number): AsyncIterable<string> {
  let pos = since;
  for (;;) {
    const chunks = await ctx.store.readLog(jobId, pos, PAGE);
    for (const c of chunks) {
      pos = c.pos;
      if (c.text !== "") yield c.text;
    }
    if (chunks.length < PAGE) return;
  }
}
