import "server-only";
import type { Container } from "@azure/cosmos";
import type { NewEvent } from "../port";
import type { EventRecord } from "../records";
import { isConflict, isNotFound, mapCosmosError } from "./cosmos-errors";
import { param, query, strip } from "./documents";

/**
 * Events written in the same atomic write as a job, without transactional batch (the test server
 * has none, DESIGN.md). The job document is the commit point:
 *
 * - Every event append of a job goes through a conditional replace of that job's document. The
 *   document carries `x_seq` (the job's last event seq) and `x_events` (the records just
 *   numbered: its outbox). So the seqs are reserved by the same If-Match write that changes the
 *   job, and a transition, patch, claim or completion lands with its events or not at all: a
 *   refused plan or a lost race writes neither.
 * - After the replace, the writer copies the outbox into fleet_events, one create per event, id =
 *   seq (so a repeated copy is a 409 and harmless: a seq is reserved by exactly one committed write).
 * - Before a later write that adds events, the writer makes sure the outbox it read is in
 *   fleet_events (one point read of the highest seq, skipped when this instance copied it; it copies
 *   the rest if that is missing), then replaces it with its own. So seq s is created only after every
 *   seq below it exists: a reader never sees a gap that fills in later. A write without events
 *   carries the outbox forward unchanged.
 * - readEvents reads the job document FIRST, then fleet_events, and merges the outbox: an event whose
 *   copy was cut short by a crash is still read, at its reserved seq, until the next write copies it.
 *
 * A crash between the replace and the copy therefore delays only the fleet-wide stream
 * (readRecentEvents scans fleet_events) until the job's next write; the job's own timeline is whole.
 * Agent events are idempotent on (leaseId, agentSeq) exactly: the outbox and fleet_events are both
 * checked after the job read, and any append that lands in between changes the etag.
 */
export interface OutboxFields {
  x_seq?: number;
  x_events?: EventRecord[];
}

export function eventDocId(seq: number): string {
  return String(seq).padStart(12, "0");
}

/** Creates the records in fleet_events in seq order; a seq already there was copied by another writer. */
export async function copyOutbox(events: Container, records: EventRecord[]): Promise<void> {
  for (const rec of records) {
    try {
      await events.items.create({ id: eventDocId(rec.seq), ...rec });
    } catch (e) {
      if (!isConflict(e)) throw mapCosmosError(e);
    }
  }
}

/** Whether the last record of an outbox is in fleet_events (then all are: copies go in seq order). */
export async function outboxCopied(events: Container, jobId: string, records: EventRecord[]): Promise<boolean> {
  const last = records[records.length - 1];
  if (!last) return true;
  try {
    const { resource } = await events.item(eventDocId(last.seq), jobId).read();
    return resource !== undefined;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw mapCosmosError(e);
  }
}

/** The outbox merged into what fleet_events answered: seq order, no repeats, at most `limit`. */
export function mergeOutbox(stored: EventRecord[], outbox: EventRecord[], afterSeq: number, limit: number): EventRecord[] {
  const bySeq = new Map<number, EventRecord>();
  for (const e of stored) bySeq.set(e.seq, e);
  for (const e of outbox) if (e.seq > afterSeq && !bySeq.has(e.seq)) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(0, limit);
}

export const agentKey = (leaseId: string, agentSeq: number) => `${leaseId}\u0000${agentSeq}`;

/**
 * The stored events of the agent keys in `events`: from the outbox, then fleet_events. Call it after
 * reading the job, so an identical event that landed before the job read is found in one of the two,
 * and one landing after it changes the job's etag (the write is LOST and re-planned).
 */
export async function knownAgentEvents(
  events: Container,
  jobId: string,
  outbox: EventRecord[],
  batch: NewEvent[],
  fenceLeaseId: string | undefined,
): Promise<Map<string, EventRecord>> {
  const known = new Map<string, EventRecord>();
  const keys = batch
    .map((e) => ({ leaseId: e.leaseId ?? fenceLeaseId, agentSeq: e.agentSeq }))
    .filter((k): k is { leaseId: string; agentSeq: number } => k.leaseId !== undefined && k.agentSeq !== undefined);
  if (keys.length === 0) return known;
  for (const e of outbox) if (e.leaseId !== undefined && e.agentSeq !== undefined) known.set(agentKey(e.leaseId, e.agentSeq), e);
  const rows = await query<EventRecord & { id: string }>(
    events,
    "SELECT * FROM c WHERE c.jobId = @pk AND ARRAY_CONTAINS(@leases, c.leaseId) AND ARRAY_CONTAINS(@seqs, c.agentSeq)",
    [param("@leases", [...new Set(keys.map((k) => k.leaseId))]), param("@seqs", keys.map((k) => k.agentSeq))],
    jobId,
  );
  for (const r of rows) known.set(agentKey(r.leaseId!, r.agentSeq!), strip<EventRecord>(r, true));
  return known;
}
