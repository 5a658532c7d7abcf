/**
 * The events of one lease, numbered and shipped in order. Each event gets the next agent-side
 * `seq` (1, 2, 3…) when it is queued; a failed POST keeps the batch and retries it with the same
 * seqs (the coordinator ignores a repeated seq), so a retry never duplicates. A flush runs at
 * least every 250 ms while anything is pending; sources (the log chunker) are drained into the
 * queue right before each flush so their text leaves within the same tick.
 *
 * Batches are cut by count AND by JSON bytes (lib/limits AGENT_BATCH_BYTES, which the coordinator's
 * lease routes accept), so no batch is refused for its size. A batch the coordinator still refuses
 * as malformed (4xx other than 409: a 413 from a proxy with a smaller limit, a 400) is never
 * re-sent as is, which would wedge the whole log behind it: it is split in halves and re-sent, and
 * one event refused on its own is dropped (and said so). A transient failure keeps the batch.
 */
import { AGENT_BATCH_BYTES, utf8Bytes } from "@/lib/limits";
import { LIMITS, type AgentEvent, type AgentEventBody } from "@/lib/protocol";
import { LeaseLostError, RejectedError } from "./errors";

export type PostEvents = (events: AgentEvent[]) => Promise<void>;

export interface EventStreamOptions {
  post: PostEvents;
  flushMs?: number;
  /** the lease is gone (409): the job must stop */
  onLeaseLost: (e: LeaseLostError) => void;
  /** an event the coordinator refused even alone (it is dropped; the rest goes on) */
  onDropped?: (event: AgentEvent, e: RejectedError) => void;
  /** per-batch JSON byte budget (tests use a small one) */
  batchBytes?: number;
}

export class EventStream {
  private seq = 0;
  private queue: AgentEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private sources: (() => void)[] = [];
  private lost = false;
  private closed = false;
  private failures = 0;
  readonly flushMs: number;

  constructor(private readonly opts: EventStreamOptions) {
    this.flushMs = opts.flushMs ?? 250;
  }

  /** A source is drained into the queue right before every flush. */
  addSource(drain: () => void): void {
    this.sources.push(drain);
  }

  push(body: AgentEventBody): void {
    if (this.lost) return;
    this.queue.push({ ...body, seq: ++this.seq } as AgentEvent);
    this.schedule();
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Starts the periodic flush (sources with pending text need the tick even if the queue is empty). */
  start(): void {
    this.schedule();
  }

  private schedule(delay = this.flushMs): void {
    if (this.timer || this.closed || this.lost) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().finally(() => {
        if (!this.closed) this.schedule(this.failures ? Math.min(this.flushMs * 2 ** this.failures, 5_000) : this.flushMs);
      });
    }, delay);
  }

  /** Sends everything queued now (one POST per ≤ 200 events). Never throws. */
  async flush(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    for (const drain of this.sources) drain();
    if (this.lost || this.queue.length === 0) return;
    this.inFlight = this.sendAll().finally(() => {
      this.inFlight = undefined;
    });
    await this.inFlight;
  }

  /** The next batch: at most `max` events and the byte budget, but always at least one event. */
  private nextBatch(max: number): AgentEvent[] {
    const budget = (this.opts.batchBytes ?? AGENT_BATCH_BYTES) - 64; // the {"epoch":N,"events":[…]} envelope
    let bytes = 0;
    let n = 0;
    for (const e of this.queue) {
      if (n >= max) break;
      const size = utf8Bytes(JSON.stringify(e)) + 1;
      if (n > 0 && bytes + size > budget) break;
      bytes += size;
      n++;
    }
    return this.queue.slice(0, n);
  }

  private async sendAll(): Promise<void> {
    let max: number = LIMITS.eventsPerBatch;
    while (this.queue.length && !this.lost) {
      const batch = this.nextBatch(max);
      try {
        await this.opts.post(batch);
        this.queue.splice(0, batch.length);
        this.failures = 0;
        // `max` stays where a refusal left it for the rest of this round: the size that fits.
      } catch (e) {
        if (e instanceof LeaseLostError) {
          this.lost = true;
          this.queue = [];
          this.opts.onLeaseLost(e);
          return;
        }
        if (e instanceof RejectedError) {
          if (batch.length > 1) {
            max = Math.ceil(batch.length / 2);
          } else {
            this.queue.shift();
            this.opts.onDropped?.(batch[0]!, e);
          }
          continue;
        }
        this.failures++;
        return;
      }
    }
  }

  /** Final flush: drains sources and retries until sent, the lease is lost, or `deadline` passes. */
  async close(deadlineMs = 30_000): Promise<boolean> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.closed = true;
    const until = Date.now() + deadlineMs;
    for (;;) {
      await this.flush();
      if (this.lost) return false;
      if (this.queue.length === 0) return true;
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** this.failures, 2_000)));
    }
  }

  /** What is queued and not yet acknowledged (after a close that timed out: for the outbox). */
  remaining(): AgentEvent[] {
    return [...this.queue];
  }

  /** Stops without sending (the lease is gone). */
  abandon(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.closed = true;
    this.lost = true;
    this.queue = [];
  }
}
