/**
 * The lease writes of a run, through the outbox (./outbox.ts): each event batch and the completion
 * is written durably first, then sent; the coordinator's answer decides whether it leaves:
 *
 *   2xx                      → removed (acknowledged)
 *   409 lease lost / 4xx     → removed (the coordinator decided; re-sending cannot change it)
 *   network, 5xx, 401/403    → kept (./replay.ts sends it again once the coordinator answers)
 *
 * The event stream re-sends a failed batch with the same seqs: the same batch is written once.
 */
import { AGENT_BATCH_BYTES, utf8Bytes } from "@/lib/limits";
import { LIMITS, type AgentEvent, type CompleteRequest } from "@/lib/protocol";
import type { CoordinatorClient } from "../net/client";
import { LeaseLostError, RejectedError } from "../net/errors";
import type { Outbox, OutboxEntry } from "./outbox";

type Inner = Pick<CoordinatorClient, "renew" | "events" | "complete" | "uploadArtifactChunk">;

export class OutboxClient {
  /** batches written and not yet settled, by `${leaseId} ${firstSeq}-${lastSeq}` */
  private readonly written = new Map<string, string>();
  /** per lease, the highest event seq already in the outbox */
  private readonly through = new Map<string, number>();

  constructor(
    private readonly inner: Inner,
    private readonly outbox: Outbox,
    /** tests only: SIGKILL this process right after writing an entry of this kind, before sending it */
    private readonly crashAfter?: string,
  ) {}

  renew(leaseId: string, epoch: number) {
    return this.inner.renew(leaseId, epoch);
  }

  uploadArtifactChunk(...a: Parameters<Inner["uploadArtifactChunk"]>) {
    return this.inner.uploadArtifactChunk(...a);
  }

  async events(leaseId: string, epoch: number, events: AgentEvent[]): Promise<void> {
    const key = `${leaseId} ${events[0]?.seq}-${events.at(-1)?.seq}`;
    let id = this.written.get(key);
    if (!id) {
      id = this.write({ kind: "events", leaseId, epoch, events });
      this.written.set(key, id);
      this.through.set(leaseId, Math.max(this.through.get(leaseId) ?? 0, events.at(-1)?.seq ?? 0));
    }
    await this.settle(id, () => this.inner.events(leaseId, epoch, events), () => this.written.delete(key));
  }

  async complete(leaseId: string, body: CompleteRequest): Promise<void> {
    const key = `${leaseId} complete`;
    let id = this.written.get(key);
    if (!id) {
      id = this.write({ kind: "complete", leaseId, body });
      this.written.set(key, id);
    }
    await this.settle(id, () => this.inner.complete(leaseId, body), () => this.written.delete(key));
  }

  /**
   * Events the run could not send before it ended (the coordinator is away): written to the outbox
   * unsent, in batches the coordinator's lease routes accept, for the replay. Seqs already written are skipped.
   */
  stash(leaseId: string, epoch: number, events: AgentEvent[]): void {
    const rest = events.filter((e) => e.seq > (this.through.get(leaseId) ?? 0));
    let batch: AgentEvent[] = [];
    let bytes = 64;
    for (const e of rest) {
      const size = utf8Bytes(JSON.stringify(e)) + 1;
      if (batch.length && (batch.length >= LIMITS.eventsPerBatch || bytes + size > AGENT_BATCH_BYTES)) {
        this.write({ kind: "events", leaseId, epoch, events: batch });
        batch = [];
        bytes = 64;
      }
      batch.push(e);
      bytes += size;
    }
    if (batch.length) this.write({ kind: "events", leaseId, epoch, events: batch });
    if (rest.length) this.through.set(leaseId, rest.at(-1)!.seq);
  }

  /** The run is over: its entries (if any remain) belong to the replay now. */
  forgetLease(leaseId: string): void {
    this.through.delete(leaseId);
    for (const k of [...this.written.keys()]) if (k.startsWith(`${leaseId} `)) this.written.delete(k);
  }

  private write(entry: OutboxEntry): string {
    const id = this.outbox.append(entry);
    if (this.crashAfter === entry.kind) process.kill(process.pid, "SIGKILL");
    return id;
  }

  private async settle(id: string, send: () => Promise<void>, forget: () => void): Promise<void> {
    try {
      await send();
    } catch (e) {
      if (e instanceof LeaseLostError || e instanceof RejectedError) {
        this.outbox.remove(id);
        forget();
      }
      throw e;
    }
    this.outbox.remove(id);
    forget();
  }
}
