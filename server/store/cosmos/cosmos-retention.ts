import "server-only";
import type { Container } from "@azure/cosmos";
import { TERMINAL_STAGES } from "@/lib/stages";
import type { PruneRequest } from "../port";
import { isNotFound, isPreconditionFailed, mapCosmosError } from "./cosmos-errors";

/**
 * Retention on Cosmos. Candidates: terminal jobs last written before the limit that are not yet
 * marked pruned for this kind (`x_prunedLogs` / `x_prunedEvents`, index-only fields that readers
 * strip). For each: delete its documents in fleet_logs / fleet_events (one partition), then mark
 * the job with If-Match on the etag it was read with; for events the job's event outbox
 * (`x_events`, event-outbox.ts) is emptied in the same write, so readEvents merges nothing back.
 * `x_seq` stays: numbering never restarts. A job written meanwhile (412) is left for the next sweep,
 * and what such a write added (a requeue's events, a new attempt's log) is never among the deleted.
 */
type Raw = Record<string, unknown> & { id: string; productId: string; stage: string; epoch?: number; x_seq?: number };

export async function cosmosPrune(c: { jobs: Container; logs: Container; events: Container }, req: PruneRequest): Promise<string[]> {
  const mark = req.what === "logs" ? "x_prunedLogs" : "x_prunedEvents";
  const target = req.what === "logs" ? c.logs : c.events;
  try {
    const { resources } = await c.jobs.items
      .query<{ id: string; productId: string }>({
        query: `SELECT TOP @n c.id, c.productId FROM c WHERE ARRAY_CONTAINS(@stages, c.stage) AND c.updatedAt < @before AND NOT IS_DEFINED(c.${mark})`,
        parameters: [
          { name: "@n", value: req.limit },
          { name: "@stages", value: [...TERMINAL_STAGES] },
          { name: "@before", value: req.terminalBefore },
        ],
      })
      .fetchAll();
    const pruned: string[] = [];
    for (const j of resources) {
      const { resource: raw, etag } = await c.jobs.item(j.id, j.productId).read<Raw>();
      // Re-checked on the document itself: the query is only a candidate list.
      if (!raw || !TERMINAL_STAGES.includes(raw.stage as never)) continue;
      // Only what existed when the job was read terminal: an event above its x_seq or a log chunk
      // of a later epoch was written after a requeue, by a job no longer terminal, and stays. (The
      // If-Match below then fails and the job is left for a later sweep.)
      const bound =
        req.what === "events"
          ? typeof raw.x_seq === "number" ? { field: "seq", max: raw.x_seq } : undefined
          : typeof raw.epoch === "number" ? { field: "epoch", max: raw.epoch } : undefined;
      const { resources: docs } = await target.items
        .query<{ id: string }>(
          {
            query: `SELECT c.id FROM c WHERE c.jobId = @job${bound ? ` AND c.${bound.field} <= @max` : ""}`,
            parameters: [{ name: "@job", value: j.id }, ...(bound ? [{ name: "@max", value: bound.max }] : [])],
          },
          { partitionKey: j.id },
        )
        .fetchAll();
      for (const d of docs) {
        try {
          await target.item(d.id, j.id).delete();
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      const next: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(raw)) if (!k.startsWith("_")) next[k] = v;
      next[mark] = true;
      if (req.what === "events") next.x_events = [];
      try {
        await c.jobs.item(j.id, j.productId).replace(next, { accessCondition: { type: "IfMatch", condition: etag } });
        pruned.push(j.id);
      } catch (e) {
        if (!isPreconditionFailed(e)) throw e;
      }
    }
    return pruned;
  } catch (e) {
    throw mapCosmosError(e);
  }
}
