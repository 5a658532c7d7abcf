import "server-only";
import type { Fence, NewLogChunk } from "../port";
import type { JobRecord, LogChunkRecord } from "../records";
import { logPos } from "../shared";

/**
 * Log chunks: stored once per (leaseId, seq) (a repeated chunk is a no-op on both providers), and
 * ordered across attempts by `pos` (epoch-major). The fence is checked by the caller (jobs.ts
 * checkFence) before any chunk is built.
 */
export function logChunkRecords(job: Pick<JobRecord, "id" | "productId">, fence: Fence, chunks: NewLogChunk[]): LogChunkRecord[] {
  return chunks.map((c) => ({
    jobId: job.id,
    productId: job.productId,
    leaseId: fence.leaseId,
    epoch: fence.epoch,
    seq: c.seq,
    pos: logPos(fence.epoch, c.seq),
    stream: c.stream,
    text: c.text,
    at: c.at,
  }));
}
