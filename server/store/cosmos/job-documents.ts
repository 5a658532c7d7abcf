import "server-only";
import type { Container } from "@azure/cosmos";
import { StoreError } from "../errors";
import type { NewEvent } from "../port";
import type { EventRecord, JobRecord } from "../records";
import { clean, sequenceEvents } from "../rules/jobs";
import { LOST, withCas, writeIfUnchanged, type Lost } from "./cas";
import { jobDoc, param, query, read as readDoc, strip } from "./documents";
import { agentKey, copyOutbox, knownAgentEvents, outboxCopied, type OutboxFields } from "./event-outbox";

/** A job as read for a write: the record, the etag to write against, and its event outbox. */
export interface JobRead {
  job: JobRecord;
  etag: string;
  /** the job's last event seq; undefined on a document written before the outbox existed */
  seq: number | undefined;
  outbox: EventRecord[];
}

/**
 * Reading and conditionally writing job documents, each write with the events it adds (the outbox
 * of event-outbox.ts). The atomicity of every job write of the Cosmos provider lives here; what a
 * write changes is decided by store/rules. The maps are caches only (a miss reads the account), so
 * several app instances stay correct.
 */
export class JobDocuments {
  /** job → product (its partition) */
  private readonly productOf = new Map<string, string>();
  /** job → the highest event seq this instance has seen in fleet_events */
  private readonly copiedThrough = new Map<string, number>();

  constructor(
    private readonly jobs: Container,
    private readonly events: Container,
  ) {}

  /** Spares the next read of this job the cross-partition lookup of its product. */
  remember(jobId: string, productId: string): void {
    this.productOf.set(jobId, productId);
  }

  async locate(jobId: string): Promise<string | undefined> {
    const cached = this.productOf.get(jobId);
    if (cached !== undefined) return cached;
    const [row] = await query<{ productId: string }>(this.jobs, "SELECT c.productId FROM c WHERE c.id = @id", [param("@id", jobId)]);
    if (row) this.productOf.set(jobId, row.productId);
    return row?.productId;
  }

  /** The job with its etag and outbox; undefined for an unknown job. */
  async read(jobId: string): Promise<JobRead | undefined> {
    const productId = await this.locate(jobId);
    if (productId === undefined) return undefined;
    const r = await readDoc<JobRecord & OutboxFields>(this.jobs, jobId, productId);
    return r ? { job: strip<JobRecord>(r.doc), etag: r.etag, seq: r.doc.x_seq, outbox: r.doc.x_events ?? [] } : undefined;
  }

  /**
   * The conditional replace of a job (If-Match on the etag it was read with), with the events it
   * adds numbered into the same document (event-outbox.ts), then copied to fleet_events. LOST when
   * another writer changed the job first: nothing was written, the caller re-reads and re-plans.
   */
  async commit(cur: JobRead, next: JobRecord, events: NewEvent[] = [], fenceLeaseId?: string): Promise<{ job: JobRecord; events: EventRecord[] } | Lost> {
    const job = clean(next);
    let seq = cur.seq;
    let outbox = cur.outbox;
    let out: EventRecord[] = [];
    if (events.length > 0) {
      if (!(await this.settled(cur))) await copyOutbox(this.events, cur.outbox);
      const known = await knownAgentEvents(this.events, cur.job.id, cur.outbox, events, fenceLeaseId);
      const numbered = sequenceEvents(job, seq ?? (await this.maxSeq(job.id)), events, fenceLeaseId, (l, a) => known.get(agentKey(l, a)));
      out = clean(numbered.out);
      outbox = clean(numbered.fresh);
      seq = numbered.lastSeq;
    }
    if ((await writeIfUnchanged(this.jobs, jobDoc(job, seq, outbox), job.productId, cur.etag)) === LOST) return LOST;
    if (outbox !== cur.outbox && outbox.length > 0) {
      await copyOutbox(this.events, outbox);
      this.copiedThrough.set(job.id, seq!);
    }
    return { job, events: out };
  }

  /** Whether the outbox read with the job is in fleet_events already. */
  private async settled(cur: JobRead): Promise<boolean> {
    const last = cur.outbox[cur.outbox.length - 1];
    if (!last || (this.copiedThrough.get(cur.job.id) ?? 0) >= last.seq) return true;
    const copied = await outboxCopied(this.events, cur.job.id, cur.outbox);
    if (copied) this.copiedThrough.set(cur.job.id, last.seq);
    return copied;
  }

  /**
   * Read → plan → commitJob, re-planned when the write is LOST. `plan` returns the next job and the
   * events to write with it, or throws a StoreError; the job must exist (`not_found` otherwise).
   */
  async cas(
    jobId: string,
    plan: (job: JobRecord | undefined) => { job: JobRecord; events?: NewEvent[]; fenceLeaseId?: string },
  ): Promise<{ prev: JobRecord; job: JobRecord; events: EventRecord[] }> {
    return withCas(`job ${jobId}`, async () => {
      const cur = await this.read(jobId);
      const step = plan(cur?.job);
      if (!cur) throw new StoreError("not_found", `no job ${jobId}`);
      const done = await this.commit(cur, step.job, step.events, step.fenceLeaseId);
      return done === LOST ? LOST : { prev: cur.job, ...done };
    });
  }

  private async maxSeq(jobId: string): Promise<number> {
    const [max] = await query<number | null>(this.events, "SELECT VALUE MAX(c.seq) FROM c WHERE c.jobId = @pk", [], jobId);
    return max ?? 0;
  }
}
