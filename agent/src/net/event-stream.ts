/**
 * The events of one lease, numbered and shipped in order. Each event gets the next agent-side
 * `seq` (1, 2, 3…) when it is queued; a failed POST keeps the batch and retries it with the same
 * seqs (the coordinator ignores a repeated seq), so a retry never duplicates. A flush runs at
 * least every 250 ms while anything is pending; sources (the log chunker) are drained into the
 * queue right before each flush so their text leaves within the same tick.
 */
import { LIMITS, type AgentEvent, type AgentEventBody } from "@/lib/protocol";
import { LeaseLostError } from "./errors";

export type PostEvents = (events: AgentEvent[]) => Promise<void>;

export interface EventStreamOptions {
  post: PostEvents;
  flushMs?: number;
  /** the lease is gone (409): the job must stop */
  onLeaseLost: (e: LeaseLostError) => void;
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

  private async sendAll(): Promise<void> {
    while (this.queue.length && !this.lost) {
      const batch = this.queue.slice(0, LIMITS.eventsPerBatch);
      try {
        await this.opts.post(batch);
        this.queue.splice(0, batch.length);
        this.failures = 0;
      } catch (e) {
        if (e instanceof LeaseLostError) {
          this.lost = true;
          this.queue = [];
          this.opts.onLeaseLost(e);
        } else {
          this.failures++;
        }
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

  /** Stops without sending (the lease is gone). */
  abandon(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.closed = true;
    this.lost = true;
    this.queue = [];
  }
}
